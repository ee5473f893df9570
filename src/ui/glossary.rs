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
    t(
        "co_primary",
        "co-primary (dual primary)",
        "One of two servers that replicate from each other. Both could take writes; safe setups let only one do so at a time (active-passive) and keep the other read-only.",
        "log_replica_updates, auto_increment_increment, auto_increment_offset, read_only",
    ),
    t(
        "intermediate",
        "intermediate (relay) replica",
        "A replica that is also the source of other replicas: it writes what it applies to its own binlog, so changes travel down a chain.",
        "log_replica_updates=ON",
    ),
    t(
        "divergence",
        "divergence",
        "Two servers hold different values for the same row although they should be copies: a write reached one and not the other, or each took a different write.",
        "pt-table-checksum, CHECKSUM TABLE",
    ),
    t(
        "binlog_position",
        "binlog position",
        "Where in the binlog a transaction sits: a file name and a byte offset. Before GTIDs, replicas tracked their place by it.",
        "SHOW BINARY LOG STATUS (File, Position), Read_Source_Log_Pos, Exec_Source_Log_Pos",
    ),
    t(
        "gtid_purged",
        "purged GTIDs",
        "Transactions whose binlog files were deleted: a replica still missing one of them can no longer catch up from this server.",
        "gtid_purged, PURGE BINARY LOGS, binlog_expire_logs_seconds",
    ),
    t(
        "auto_position",
        "GTID auto-positioning",
        "A replica tells its source which GTIDs it has and receives everything else, instead of naming a binlog file and offset.",
        "SOURCE_AUTO_POSITION=1, Auto_Position",
    ),
    t(
        "delay",
        "delayed replica",
        "A replica told to apply each transaction only a set time after its source committed it, to keep an older copy at hand.",
        "SOURCE_DELAY, SQL_Delay, SQL_Remaining_Delay",
    ),
    t(
        "replication_error",
        "replication error",
        "Why a replication thread stopped: the receiver could not connect or read, or the applier could not apply a transaction.",
        "Last_IO_Error, Last_SQL_Error, Last_IO_Errno, Last_SQL_Errno",
    ),
    t(
        "analysis",
        "failure analysis",
        "What the failover manager concludes from its probes: all is well, the primary is dead, it is unreachable only from here, and so on. A failover starts only on a dead primary.",
        "Orchestrator: NoProblem, DeadMaster, UnreachableMaster, DeadMasterAndSomeReplicas",
    ),
    t(
        "hostgroup",
        "writer and reader hostgroups",
        "The router's lists of servers: writes go to the writer hostgroup, reads to the readers. It moves a server between them by watching read_only.",
        "ProxySQL mysql_replication_hostgroups, writer_hostgroup, reader_hostgroup",
    ),
    t(
        "shard",
        "shard",
        "One slice of a sharded database: a primary and its replicas holding the rows whose keyspace ids fall in its key range.",
        "Vitess keyspace/shard, e.g. commerce/-80",
    ),
    t(
        "reshard",
        "resharding",
        "Splitting or merging shards while the application runs: rows are copied to the new shards, kept in step by replication, then reads and writes are switched over.",
        "Vitess Reshard workflow, vtctldclient Reshard, VReplication",
    ),
    t(
        "semi_sync_counts",
        "semi-sync acknowledged / not acknowledged",
        "How many commits a semi-sync primary made with a replica's acknowledgement (yes) and without one, after falling back to asynchronous (no).",
        "Rpl_semi_sync_source_yes_tx, Rpl_semi_sync_source_no_tx",
    ),
];

/// Every domain label the page shows, as shown (any case), with the entry that explains
/// it: canvas labels, node roles and states, inspector row names, panel headings, finding
/// kinds. Inspector rows named here open their entry by themselves; the e2e test
/// `glossary-complete` fails on a label that is neither here nor in [`PLAIN`].
pub const SHOWN: &[(&str, &str)] = &[
    ("primary", "primary"),
    ("primary (as it knows)", "primary"),
    ("replica", "replica"),
    ("co-primary", "co_primary"),
    ("intermediate", "intermediate"),
    ("binlog", "binlog"),
    ("binlog (latest)", "binlog"),
    ("binlog position", "binlog_position"),
    ("binlog files", "binlog"),
    ("received", "relay_log"),
    ("relay log", "relay_log"),
    ("relay log pending", "relay_log"),
    ("retrieved_gtid_set", "relay_log"),
    ("applied", "sql_thread"),
    ("executed_gtid_set", "gtid_set"),
    ("gtid_executed", "gtid_set"),
    ("gtid_purged", "gtid_purged"),
    ("seconds_behind_source", "lag"),
    ("seconds_behind_master", "lag"),
    ("max replication lag", "lag"),
    ("lag", "lag"),
    ("replica_io_running", "io_thread"),
    ("slave_io_running", "io_thread"),
    ("connecting", "io_thread"),
    ("receiver stopped", "io_thread"),
    ("replica_sql_running", "sql_thread"),
    ("slave_sql_running", "sql_thread"),
    ("replica_sql_running_state", "sql_thread"),
    ("applier stopped", "sql_thread"),
    ("read_source_log_pos", "binlog_position"),
    ("exec_source_log_pos", "binlog_position"),
    ("read_master_log_pos", "binlog_position"),
    ("exec_master_log_pos", "binlog_position"),
    ("auto_position", "auto_position"),
    ("sql_delay", "delay"),
    ("sql_remaining_delay", "delay"),
    ("last_io_error", "replication_error"),
    ("last_sql_error", "replication_error"),
    ("read_only / super_read_only", "read_only"),
    ("read-only", "read_only"),
    ("writable", "read_only"),
    ("rpl_semi_sync_source_status", "semi_sync"),
    ("rpl_semi_sync_master_status", "semi_sync"),
    ("semi-sync yes_tx / no_tx", "semi_sync_counts"),
    ("failover", "failover"),
    // The failover panel and the manager's and router's panels, as the e2e test makes
    // their labels general (numbers `n`, key ranges `n` / `n-`, node names `node`).
    ("n recovery of node → node", "failover"),
    ("n recovery of node → node of shard n", "failover"),
    ("n recovery of node → node of shard n-", "failover"),
    ("analysis", "analysis"),
    ("analysis of shard n", "analysis"),
    ("analysis of shard n-", "analysis"),
    ("primary of shard n (as it knows)", "primary"),
    ("primary of shard n- (as it knows)", "primary"),
    ("writes go to", "hostgroup"),
    ("shard n writes go to", "hostgroup"),
    ("shard n- writes go to", "hostgroup"),
    ("each shard", "shard"),
    ("adding a shard to these n", "reshard"),
    ("switchover", "switchover"),
    ("failover manager", "manager"),
    ("orchestrator", "manager"),
    ("app + router", "router"),
    ("writes → node", "router"),
    ("writes → node, node", "router"),
    ("router and application", "router"),
    ("proxysql monitor", "hostgroup"),
    ("writer chosen by", "hostgroup"),
    ("findings", "finding"),
    ("lost write", "lost_write"),
    // Findings as counted in their list and on the canvas ("1,929 lost writes").
    ("n lost writes", "lost_write"),
    ("n stale reads", "stale_read"),
    ("n read-your-writes violations", "stale_read"),
    ("n replication errors", "replication_error"),
    ("n errant gtid", "errant_gtid"),
    ("n errant gtids", "errant_gtid"),
    ("n divergences", "divergence"),
    ("n split brains", "split_brain"),
    ("lost_write", "lost_write"),
    ("stale read", "stale_read"),
    ("stale_read", "stale_read"),
    ("read-your-writes", "stale_read"),
    ("read_your_writes", "stale_read"),
    ("divergence", "divergence"),
    ("errant gtid", "errant_gtid"),
    ("errant_gtid", "errant_gtid"),
    ("split brain", "split_brain"),
    ("split_brain", "split_brain"),
    ("vindex", "vindex"),
    ("key range", "key_range"),
    ("shard", "shard"),
    ("resharding", "reshard"),
    ("noproblem in n shards", "analysis"),
    ("noproblem", "analysis"),
    ("deadmaster", "analysis"),
    ("unreachablemaster", "analysis"),
];

/// Labels the page shows that are plain words, not replication terms (as the e2e test
/// makes them general: node names `NODE`, numbers `N`, lower case).
pub const PLAIN: &[&str] = &[
    "lesson",
    "goal",
    "inspector",
    "inspector — node",
    "charts (last minute)",
    "mysql console",
    "how to read the playground",
    "nodes",
    "links and messages",
    "keys",
    "glossary",
    "source",
    "state",
    "crashed",
    "recovering",
    "statements run",
    "rows · checksum",
    "id",
    "val (write #)",
    "operations ok / failed / unknown",
    "in flight",
    "poll every",
    "wait for relay log",
    "verdict",
    "rules, in the order they weigh",
    "stream",
    "placement",
    "keys moved",
    "shards touched",
    "vtctldclient",
    "show replica status",
    "show slave status",
    "fault timeline (n)",
    "why node?",
    "data: n rows",
    "data: n rows, n differ from the source",
];

/// The entry a label shown on the page is explained by, if it is a domain term.
pub fn key_for(shown: &str) -> Option<&'static str> {
    let shown = shown.trim().to_lowercase();
    SHOWN.iter().find(|(s, _)| *s == shown).map(|(_, k)| *k)
}

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

/// A table row's name, a term if [`SHOWN`] names it: hover shows the text; a click opens
/// the entry through [`on_panel_click`] on the side panel (rows are drawn without the app's
/// scope, and one listener there serves them all).
pub fn row_name(shown: &str) -> Html {
    match key_for(shown) {
        Some(key) => html! {
            <button type="button" class="term" data-term={key} title={hover(key)}>{ shown.to_string() }</button>
        },
        None => html! { { shown.to_string() } },
    }
}

/// The side panel's click listener: a click on a [`row_name`] term opens its entry.
pub fn on_panel_click(link: &Scope) -> Callback<MouseEvent> {
    link.batch_callback(|e: MouseEvent| {
        let target: web_sys::Element = e.target_dyn_into()?;
        let term = target.closest("th button.term[data-term]").ok()??;
        let key = term.get_attribute("data-term")?;
        TERMS
            .iter()
            .find(|t| t.key == key)
            .map(|t| Msg::Glossary(Some(t.key)))
    })
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

    /// The names of the rows views draw with `row("…"`, read from their sources.
    fn row_names() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui");
        let mut names = Vec::new();
        for f in std::fs::read_dir(dir).unwrap() {
            let path = f.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices(" row(\"") {
                let rest = &text[i + 6..];
                let name = &rest[..rest.find('"').unwrap()];
                names.push((path.display().to_string(), name.to_string()));
            }
        }
        names
    }

    #[test]
    fn every_row_name_is_a_term_with_an_entry_or_plain_words() {
        let names = row_names();
        assert!(names.len() >= 20, "{names:?}");
        for (file, name) in names {
            let lower = name.to_lowercase();
            match key_for(&name) {
                Some(key) => assert!(entry(key).is_some(), "{file}: '{name}' names '{key}'"),
                None => assert!(
                    PLAIN.contains(&lower.as_str()),
                    "{file} shows the row '{name}': add a glossary entry (SHOWN) or list it as plain words (PLAIN)"
                ),
            }
        }
        for (shown, key) in SHOWN {
            assert!(
                entry(key).is_some(),
                "SHOWN '{shown}' names '{key}', which has no entry"
            );
            assert_eq!(
                *shown,
                shown.to_lowercase(),
                "SHOWN is written in lower case"
            );
            assert!(
                !PLAIN.contains(shown),
                "'{shown}' is a term and plain words"
            );
        }
        assert_eq!(key_for("Seconds_Behind_Source"), Some("lag"));
        assert_eq!(key_for(" received "), Some("relay_log"));
        assert_eq!(key_for("Inspector"), None);
    }

    #[test]
    fn every_entry_says_its_mysql_name_where_one_exists_and_is_reachable() {
        // (entry, the server's own name for it): the variable, status or command a DBA
        // types. Entries for Orchestrator, ProxySQL and Vitess name those instead.
        let mysql = [
            ("primary", "read_only"),
            ("replica", "SHOW REPLICA STATUS"),
            ("binlog", "log_bin"),
            ("relay_log", "Retrieved_Gtid_Set"),
            ("io_thread", "Replica_IO_Running"),
            ("sql_thread", "Replica_SQL_Running"),
            ("gtid_set", "gtid_executed"),
            ("gtid_set", "Executed_Gtid_Set"),
            ("gtid_purged", "gtid_purged"),
            ("lag", "Seconds_Behind_Source"),
            ("read_only", "super_read_only"),
            ("semi_sync", "Rpl_semi_sync_source_status"),
            ("semi_sync_counts", "Rpl_semi_sync_source_no_tx"),
            ("binlog_position", "Exec_Source_Log_Pos"),
            ("auto_position", "SOURCE_AUTO_POSITION"),
            ("delay", "SQL_Delay"),
            ("replication_error", "Last_SQL_Error"),
            ("co_primary", "log_replica_updates"),
            ("intermediate", "log_replica_updates"),
            ("errant_gtid", "GTID_SUBTRACT"),
            ("stale_read", "Seconds_Behind_Source"),
            ("lost_write", "gtid_executed"),
            ("manager", "Orchestrator"),
            ("analysis", "DeadMaster"),
            ("router", "ProxySQL"),
            ("hostgroup", "writer_hostgroup"),
            ("vindex", "Vitess"),
            ("shard", "Vitess"),
        ];
        for (key, name) in mysql {
            let t = entry(key).unwrap_or_else(|| panic!("no entry '{key}'"));
            assert!(
                t.names.contains(name),
                "'{key}' does not say {name}: {}",
                t.names
            );
        }
        // Every entry is reachable where the page shows it: wrapped in a view, or a
        // label the views look up (SHOWN); Help lists them all.
        let wrapped: Vec<String> = wrapped_keys().into_iter().map(|(_, k)| k).collect();
        for t in TERMS {
            let shown =
                SHOWN.iter().any(|(_, k)| *k == t.key) || wrapped.iter().any(|k| k == t.key);
            assert!(shown, "'{}' is shown nowhere", t.key);
        }
    }
}
