//! The glossary: every replication term the page shows, in plain words, with the MySQL
//! variable or status it corresponds to. The one place the texts live; views wrap a term
//! where it appears with [`term`] (panels) or [`svg_term`] (the canvas): hovering shows the
//! text, a click opens the entry. Help lists them all. A test checks that every wrapped
//! term has an entry.

use super::Msg;
use yew::prelude::*;

type Scope = html::Scope<super::App>;

/// One entry.
pub struct Term {
    /// What views name it by.
    pub key: &'static str,
    pub name: &'static str,
    /// Plain words.
    pub text: &'static str,
    /// The MySQL (or ProxySQL / Orchestrator / Vitess) names it corresponds to.
    pub names: &'static str,
}

const fn t(key: &'static str, name: &'static str, text: &'static str, names: &'static str) -> Term {
    Term {
        key,
        name,
        text,
        names,
    }
}

/// Every entry, in the order Help lists them.
pub const TERMS: &[Term] = &[
    t(
        "primary",
        "primary (source)",
        "The server that takes the writes. Each committed transaction goes into its binlog, which its replicas copy.",
        "read_only=OFF; SHOW REPLICAS",
    ),
    t(
        "replica",
        "replica",
        "A server that copies a source's binlog and replays it, so it holds the same data a little later. It refuses client writes.",
        "CHANGE REPLICATION SOURCE TO; SHOW REPLICA STATUS",
    ),
    t(
        "binlog",
        "binary log (binlog)",
        "The source's ordered record of every committed transaction, kept in numbered files. Replicas read it; the bar under a node shows the current file filling up.",
        "log_bin, max_binlog_size, SHOW BINARY LOG STATUS",
    ),
    t(
        "relay_log",
        "relay log",
        "A replica's local copy of the transactions it has received from its source but may not have applied yet: the 'received' bar.",
        "relay_log, Relay_Log_File, Retrieved_Gtid_Set; MariaDB: Gtid_IO_Pos",
    ),
    t(
        "io_thread",
        "IO (receiver) thread",
        "The replica thread that connects to the source, receives its binlog events and writes them to the relay log.",
        "Replica_IO_Running, START/STOP REPLICA IO_THREAD; MariaDB: Slave_IO_Running, STOP SLAVE IO_THREAD",
    ),
    t(
        "sql_thread",
        "SQL (applier) thread",
        "The replica thread that reads the relay log and applies the transactions: the 'applied' bar. If it stops on an error, replication is broken.",
        "Replica_SQL_Running, Last_SQL_Error; MariaDB: Slave_SQL_Running",
    ),
    t(
        "gtid_set",
        "GTID and GTID set",
        "Every transaction gets a global id, server_uuid:number. A GTID set (uuid:1-90) says which transactions a server has: comparing sets shows who is ahead.",
        "gtid_mode=ON, gtid_executed, gtid_purged, Executed_Gtid_Set; MariaDB: domain-server_id-seq_no, one per domain in gtid_binlog_pos, gtid_slave_pos, gtid_current_pos",
    ),
    t(
        "lag",
        "replication lag",
        "How far a replica's applier is behind its source, in seconds; NULL when a replication thread is not running.",
        "Seconds_Behind_Source; MariaDB: Seconds_Behind_Master",
    ),
    t(
        "read_only",
        "read_only / super_read_only",
        "Switches that make a server refuse writes from clients; super_read_only refuses them even from admin accounts. Replicas run with them on.",
        "read_only, super_read_only; MariaDB: read_only only (READ ONLY ADMIN passes it)",
    ),
    t(
        "semi_sync",
        "semi-synchronous replication",
        "The primary waits, before telling the client its commit succeeded, until a replica confirms it has the transaction; after a timeout it falls back to asynchronous.",
        "rpl_semi_sync_source_enabled, rpl_semi_sync_source_wait_point, rpl_semi_sync_source_timeout, Rpl_semi_sync_source_status; MariaDB: rpl_semi_sync_master_*",
    ),
    t(
        "failover",
        "failover",
        "Replacing a primary that died: a failover manager promotes the most advanced replica and points the others and the router at it.",
        "Orchestrator: DeadMaster analysis, RecoverDeadMaster, promotion rules",
    ),
    t(
        "switchover",
        "switchover",
        "A planned change of primary while the old one is healthy: it is made read-only, the new one catches up, then takes the writes.",
        "orchestrator-client -c graceful-master-takeover",
    ),
    t(
        "manager",
        "failover manager",
        "A program that probes every server, detects a dead primary and runs the failover.",
        "Orchestrator: InstancePollSeconds, RecoveryPeriodBlockSeconds",
    ),
    t(
        "router",
        "router (proxy)",
        "Sits between the application and the servers and sends writes to the primary and reads to replicas.",
        "ProxySQL mysql_servers, hostgroups, read_only monitor",
    ),
    t(
        "errant_gtid",
        "errant GTID",
        "A transaction that exists on a replica but not on its source, usually a write made straight on the replica. After a failover it can break or diverge the cluster.",
        "GTID_SUBTRACT(replica gtid_executed, source gtid_executed); MariaDB: a seq_no the replica logged itself, refused under gtid_strict_mode (1950) or on connecting (1236, the slave has diverged)",
    ),
    t(
        "split_brain",
        "split brain",
        "Two servers both take writes as primary at once, so their data drifts apart and cannot simply be merged.",
        "read_only=OFF on two servers of one cluster",
    ),
    t(
        "lost_write",
        "lost write",
        "A write the client was told had committed, missing after a failover: the old primary had not sent it to the replica that was promoted.",
        "an acknowledged COMMIT absent from the new primary's gtid_executed",
    ),
    t(
        "stale_read",
        "stale read / read your writes",
        "A read from a replica that returns older data than was already committed, even the reader's own write.",
        "Seconds_Behind_Source > 0 at read time",
    ),
    t(
        "finding",
        "finding",
        "Something the playground's checker saw go wrong in the run: a lost write, a stale read, divergence, split brain, an errant GTID.",
        "the playground's checker",
    ),
    t(
        "vindex",
        "vindex",
        "In a sharded (Vitess) cluster, the function that turns a row's sharding key into a keyspace id, which decides its shard.",
        "Vitess vschema: hash vindex",
    ),
    t(
        "key_range",
        "key range",
        "The slice of keyspace ids one shard owns, written like -80 or 80-: the bar at the top of a shard's column.",
        "Vitess shard names, keyspace_id",
    ),
];

pub fn entry(key: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.key == key)
}

fn hover(key: &str) -> String {
    entry(key).map_or_else(String::new, |t| format!("{}: {}", t.name, t.text))
}

/// A term in a panel, as shown: underlined; hover shows the text, a click its entry.
pub fn term(key: &'static str, shown: impl Into<Html>, link: &Scope) -> Html {
    html! {
        <button type="button" class="term" data-term={key} title={hover(key)} onclick={link.callback(move |_| Msg::Glossary(Some(key)))}>{ shown.into() }</button>
    }
}

/// A term on the canvas: SVG content wrapped so hover shows the text and a click opens
/// the entry (without selecting the node under it). Its accessible name starts with the
/// `visible` text, so a screen reader says what a sighted user reads (axe's
/// label-content-name-mismatch).
pub fn svg_term(key: &'static str, visible: &str, shown: Html, link: &Scope) -> Html {
    let onclick = link.callback(move |e: MouseEvent| {
        e.stop_propagation();
        Msg::Glossary(Some(key))
    });
    html! {
        <g class="term" data-term={key} role="button" aria-label={format!("{visible} (glossary: {key})")} {onclick}>
            <title>{ hover(key) }</title>
            { shown }
        </g>
    }
}

fn view_term(t: &Term) -> Html {
    html! {
        <div class="glossary-entry" data-term={t.key}>
            <dt>{ t.name }</dt>
            <dd>{ t.text }<br /><span class="names">{ t.names }</span></dd>
        </div>
    }
}

/// The entry opened from a term.
pub fn view_open(key: &str, link: &Scope) -> Html {
    let Some(t) = entry(key) else {
        return Html::default();
    };
    html! {
        <div class="glossary-popup" role="dialog" aria-label="Glossary">
            <dl>{ view_term(t) }</dl>
            <button type="button" class="close" onclick={link.callback(|_| Msg::Glossary(None))}>{ "Close" }</button>
        </div>
    }
}

/// Help's glossary: every entry.
pub fn view_all() -> Html {
    html! {
        <details class="glossary">
            <summary><h3>{ "Glossary" }</h3></summary>
            <dl>{ for TERMS.iter().map(view_term) }</dl>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the views wrap, read from their sources: `term("key"`, `svg_term("key"`
    /// and `term_row("key"`.
    fn wrapped_keys() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui");
        let mut keys = Vec::new();
        for f in std::fs::read_dir(dir).unwrap() {
            let path = f.unwrap().path();
            if path.ends_with("glossary.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for call in ["term(\"", "term_row(\""] {
                for (i, _) in text.match_indices(call) {
                    let rest = &text[i + call.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    keys.push((path.display().to_string(), key.to_string()));
                }
            }
        }
        keys
    }

    #[test]
    fn every_term_the_page_shows_has_an_entry() {
        let keys = wrapped_keys();
        assert!(keys.len() >= 10, "the views wrap their terms: {keys:?}");
        for (file, key) in keys {
            assert!(
                entry(&key).is_some(),
                "{file} shows '{key}', not in the glossary"
            );
        }
        // The words the issue names as unexplained (issue 12).
        for key in [
            "binlog",
            "relay_log",
            "gtid_set",
            "io_thread",
            "sql_thread",
            "semi_sync",
            "errant_gtid",
            "split_brain",
            "vindex",
            "key_range",
            "lag",
            "read_only",
        ] {
            assert!(entry(key).is_some(), "{key}");
        }
    }

    #[test]
    fn entries_are_unique_and_say_something() {
        for (i, t) in TERMS.iter().enumerate() {
            assert!(TERMS[..i].iter().all(|o| o.key != t.key), "{}", t.key);
            assert!(t.text.len() > 40 && !t.names.is_empty(), "{}", t.key);
        }
    }
}
