//! The user's verbs: one small method each, and `execute`, the table that dispatches a
//! `Command` to them. Every verb checks before it changes anything, so a refused command
//! leaves the run exactly as it was.

use super::World;
use crate::command::{Command, CommandError};
use crate::config::{LinkConfig, MAX_RATE_PER_S, PromotionRule};
use crate::effects::{RouterTimer, Timer};
use crate::ids::{Addr, NodeId};
use crate::message::{AdminCmd, Msg, Statement};
use crate::node::Process;
use crate::queue::Event;
use crate::reshard::Step;
use crate::time::{secs, us};

type Done = Result<(), CommandError>;

fn refuse(text: impl Into<String>) -> Done {
    Err(CommandError(text.into()))
}

impl World {
    /// Dispatches a command to its verb.
    pub(super) fn execute(&mut self, cmd: &Command) -> Done {
        match cmd {
            Command::Crash { node, power_loss } => self.crash(node, *power_loss),
            Command::Restart { node } => self.restart(node),
            Command::CutLink {
                from,
                to,
                both_ways,
            } => self.cut_link(from, to, *both_ways, true),
            Command::HealLink {
                from,
                to,
                both_ways,
            } => self.cut_link(from, to, *both_ways, false),
            Command::Partition { nodes } => self.partition(nodes),
            Command::HealAll => {
                self.net.heal_all();
                Ok(())
            }
            Command::SetLink {
                from,
                to,
                latency_us,
                jitter_us,
                loss_permille,
                both_ways,
            } => {
                let cfg = LinkConfig {
                    latency_us: *latency_us,
                    jitter_us: *jitter_us,
                    loss_permille: *loss_permille,
                };
                self.set_link(from, to, cfg, *both_ways)
            }
            Command::StopReplica { node } => self.operator(node, AdminCmd::StopReplica),
            Command::StartReplica { node } => self.operator(node, AdminCmd::StartReplica),
            Command::SkipTransaction { node } => {
                self.operator(node, AdminCmd::SkipFailedTransaction)
            }
            Command::SetReadOnly {
                node,
                read_only,
                super_read_only,
            } => self.set_read_only(node, *read_only, *super_read_only),
            Command::ChangeSource { node, source } => self.change_source(node, source),
            Command::SlowApplier { node, factor } => self.slow_applier(node, *factor),
            Command::DirectWrite { node, key, value } => self.direct_write(node, *key, *value),
            Command::Switchover { to } => self.switchover(to),
            Command::Promote { node } => self.promote(node),
            Command::SetPromotionRule { node, rule } => self.set_promotion_rule(node, *rule),
            Command::SetAutomaticFailover { enabled } => self.set_automatic_failover(*enabled),
            Command::AcknowledgeRecoveries => self.acknowledge_recoveries(),
            Command::Reshard { step } => self.reshard(*step),
            Command::SetWorkload {
                client,
                writes_per_s,
                reads_per_s,
            } => self.set_workload(*client, *writes_per_s, *reads_per_s),
            Command::Sql { node, sql } => self.sql(node, sql),
            Command::AddServer { node } => self.add_server(node),
            Command::Backup { node } => self.backup(node),
            Command::Restore { backup, node } => self.restore(backup, node),
        }
    }

    pub(super) fn resolve(&self, name: &str) -> Result<NodeId, CommandError> {
        self.node_id(name)
            .ok_or_else(|| CommandError(format!("there is no node called '{name}'")))
    }

    /// A node, the router or the manager, by the name a user gives it.
    pub(super) fn endpoint(&self, name: &str) -> Result<Addr, CommandError> {
        Addr::parse(name, |n| self.node_id(n))
            .ok_or_else(|| CommandError(format!("there is no node called '{name}'")))
    }

    fn running(&self, name: &str) -> Result<NodeId, CommandError> {
        let id = self.resolve(name)?;
        if !self.nodes[id.index()].is_running() {
            return Err(CommandError(format!("{name} is down")));
        }
        Ok(id)
    }

    /// Kills mysqld; with `power_loss` the whole host goes, without a word to its peers.
    fn crash(&mut self, node: &str, power_loss: bool) -> Done {
        let id = self.resolve(node)?;
        if matches!(self.nodes[id.index()].process, Process::Crashed { .. }) {
            return refuse(format!("{node} is already down"));
        }
        self.nodes[id.index()].crash(power_loss, &mut self.fx);
        self.console.lose_connection(id);
        if power_loss {
            self.power_lost_at[id.index()].push(self.now);
            self.net.forget_streams_from(Addr::Node(id), self.now);
            return Ok(());
        }
        // The host's kernel answers for the dead process: every peer sees a reset.
        let me = Addr::Node(id);
        for i in 0..self.net.addr_count() {
            let to = self.net.addr(i);
            if to != me {
                self.fx.send(me, to, Msg::ConnReset);
            }
        }
        Ok(())
    }

    /// SHUTDOWN (and RESTART) typed at the node's console: a clean stop. Everything
    /// committed is synced first, so nothing is rolled back; the peers see the
    /// connections close. RESTART starts the server again at once.
    pub(crate) fn shut_down(&mut self, id: NodeId, restart: bool) {
        self.nodes[id.index()].flush_for_shutdown(self.now);
        let name = self.nodes[id.index()].name().to_string();
        // Only a running server gets here, so the stop cannot be refused.
        let _ = self.crash(&name, false);
        if restart {
            let _ = self.restart(&name);
        }
    }

    fn restart(&mut self, node: &str) -> Done {
        let id = self.resolve(node)?;
        if !self.nodes[id.index()].restart(self.now, &mut self.fx) {
            return refuse(format!("{node} is not down"));
        }
        Ok(())
    }

    /// Statements typed at the node's console: each one's answer goes to its transcript
    /// (an SQL error is an answer, not a refused command; only an unknown node is).
    fn sql(&mut self, node: &str, sql: &str) -> Done {
        let id = self.resolve(node)?;
        self.run_console(id, sql);
        Ok(())
    }

    /// Cuts (or heals) the link from `from` to `to`, and back if `both_ways`.
    fn cut_link(&mut self, from: &str, to: &str, both_ways: bool, cut: bool) -> Done {
        let (a, b) = self.link_ends(from, to)?;
        self.net.set_cut(a, b, cut);
        if both_ways {
            self.net.set_cut(b, a, cut);
        }
        Ok(())
    }

    fn link_ends(&self, from: &str, to: &str) -> Result<(Addr, Addr), CommandError> {
        let (a, b) = (self.endpoint(from)?, self.endpoint(to)?);
        if a == b {
            return Err(CommandError(format!("{from} has no link to itself")));
        }
        Ok((a, b))
    }

    fn set_link(&mut self, from: &str, to: &str, cfg: LinkConfig, both_ways: bool) -> Done {
        let (a, b) = self.link_ends(from, to)?;
        let longest = secs(60);
        if us(cfg.latency_us) > longest || us(cfg.jitter_us) > longest || cfg.loss_permille > 1_000
        {
            return refuse("latency and jitter must be at most 60 s, loss at most 1000‰");
        }
        self.net.link_mut(a, b).cfg = cfg;
        if both_ways {
            self.net.link_mut(b, a).cfg = cfg;
        }
        Ok(())
    }

    /// Cuts every link between these endpoints and all the others.
    fn partition(&mut self, names: &[String]) -> Done {
        let side: Vec<Addr> = names
            .iter()
            .map(|n| self.endpoint(n))
            .collect::<Result<_, _>>()?;
        let all: Vec<Addr> = (0..self.net.addr_count())
            .map(|i| self.net.addr(i))
            .collect();
        if side.is_empty() || all.iter().all(|a| side.contains(a)) {
            return refuse("a partition needs at least one endpoint on each side");
        }
        for a in &side {
            for b in all.iter().filter(|b| !side.contains(b)) {
                self.net.set_cut(*a, *b, true);
                self.net.set_cut(*b, *a, true);
            }
        }
        Ok(())
    }

    /// An operator's statement typed at the node's console (not over the network).
    fn operator(&mut self, node: &str, cmd: AdminCmd) -> Done {
        let id = self.running(node)?;
        self.nodes[id.index()]
            .operator(self.now, cmd, &mut self.fx)
            .map_err(|e| CommandError(format!("{node}: {e}")))
    }

    fn set_read_only(&mut self, node: &str, read_only: bool, super_read_only: bool) -> Done {
        let cmd = AdminCmd::SetReadOnly {
            read_only,
            super_read_only,
        };
        self.operator(node, cmd)
    }

    fn change_source(&mut self, node: &str, source: &str) -> Done {
        let source = self.resolve(source)?;
        let cmd = AdminCmd::ChangeSource {
            source,
            auto_position: true,
        };
        self.operator(node, cmd)
    }

    fn slow_applier(&mut self, node: &str, factor: u32) -> Done {
        let id = self.resolve(node)?;
        if factor == 0 || factor > 10_000 {
            return refuse("the slow-down factor must be between 1 and 10000");
        }
        self.nodes[id.index()].apply_slowdown = factor;
        Ok(())
    }

    /// A DBA with SUPER writes on the node itself (an errant transaction on a replica).
    fn direct_write(&mut self, node: &str, key: u64, value: u64) -> Done {
        let id = self.running(node)?;
        let n = &mut self.nodes[id.index()];
        if n.super_read_only {
            return refuse(format!(
                "{node} runs with super_read_only: even SUPER cannot write (error 1290)"
            ));
        }
        let stmt = Statement::Upsert { key, value };
        n.on_query(self.now, Addr::Node(id), 0, stmt, true, &mut self.fx);
        Ok(())
    }

    /// A planned, lossless switchover by the failover manager of the node's cluster.
    fn switchover(&mut self, to: &str) -> Done {
        let id = self.resolve(to)?;
        let shard = self.shard_of(id);
        self.managers[shard.index()]
            .switchover(self.now, id, &mut self.fx)
            .map_err(CommandError)
    }

    /// Promotes a node by hand, now: stop its replication, make it writable, send writes to it.
    fn promote(&mut self, node: &str) -> Done {
        let id = self.running(node)?;
        if self.nodes[id.index()].channel.is_some() {
            self.operator(node, AdminCmd::StopReplica)?;
            self.operator(node, AdminCmd::ResetReplicaAll)?;
        }
        self.set_read_only(node, false, false)?;
        self.router.set_writer(id);
        let shard = self.shard_of(id);
        self.managers[shard.index()].set_primary(self.now, id);
        self.check_promotion(id);
        Ok(())
    }

    fn set_promotion_rule(&mut self, node: &str, rule: PromotionRule) -> Done {
        let id = self.resolve(node)?;
        for m in &mut self.managers {
            m.promotion_rules[id.index()] = rule;
        }
        Ok(())
    }

    fn set_automatic_failover(&mut self, enabled: bool) -> Done {
        for m in &mut self.managers {
            m.cfg.automatic = enabled;
        }
        Ok(())
    }

    fn acknowledge_recoveries(&mut self) -> Done {
        for m in &mut self.managers {
            m.acknowledge(self.now);
        }
        Ok(())
    }

    fn reshard(&mut self, step: Step) -> Done {
        self.reshard_step(step).map_err(CommandError)
    }

    /// Changes a client's rates; an idle client that gets work starts at once.
    fn set_workload(&mut self, client: u32, writes_per_s: u32, reads_per_s: u32) -> Done {
        if self.router.clients.get(client as usize).is_none() {
            return refuse(format!("there is no client {client}"));
        }
        if writes_per_s > MAX_RATE_PER_S || reads_per_s > MAX_RATE_PER_S {
            return refuse(format!("rates are limited to {MAX_RATE_PER_S} per second"));
        }
        if self.router.set_rates(client, writes_per_s, reads_per_s) {
            let timer = Timer::Router(RouterTimer::ClientOp { client });
            let event = Event::Timer {
                owner: Addr::Router,
                timer,
            };
            self.push(self.now + us(1), event);
        }
        Ok(())
    }
}
