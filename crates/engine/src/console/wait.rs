//! `SELECT WAIT_FOR_EXECUTED_GTID_SET('set'[, timeout])`: the session blocks until the
//! node has executed every GTID of the set (0) or the timeout passes (1), as
//! sql/item_func.cc `Item_wait_for_executed_gtid_set` does. The world looks at the
//! waiting sessions after every event while any waits.

use super::exec::{Answer, Outcome};
use super::format::{self, ResultSet};
use super::{Console, Reply};
use crate::gtid::GtidSet;
use crate::ids::NodeId;
use crate::sql::SqlError;
use crate::time::Instant;
use crate::world::World;

/// A session blocked in WAIT_FOR_EXECUTED_GTID_SET.
#[derive(Clone, Debug)]
pub(crate) struct Waiter {
    pub node: NodeId,
    pub entry: u64,
    pub gtids: GtidSet,
    pub deadline: Option<Instant>,
    /// The result's column header: the expression as typed.
    pub header: String,
    pub vertical: bool,
}

fn result(header: &str, value: u8) -> ResultSet {
    let mut rs = ResultSet::new(&[(header, true)]);
    rs.push(vec![Some(value.to_string())]);
    rs
}

impl Console {
    /// Answers the waiters of `node` whose sets are now executed, and those whose time is
    /// up by `until` (timed from their deadline).
    pub(crate) fn release_waiters(
        &mut self,
        until: Instant,
        executed: &dyn Fn(NodeId, &GtidSet) -> bool,
    ) {
        let waiters = std::mem::take(&mut self.waiters);
        for w in waiters {
            let done = executed(w.node, &w.gtids);
            let timed_out = w.deadline.filter(|d| *d <= until);
            let (value, at) = match (done, timed_out) {
                (true, _) => (0, until),
                (false, Some(d)) => (1, d),
                (false, None) => {
                    self.waiters.push(w);
                    continue;
                }
            };
            let rs = result(&w.header, value);
            self.resolve(at, w.entry, |took| Reply::Done {
                text: format::result(&rs, w.vertical, took),
            });
        }
    }

    pub(crate) fn has_waiters(&self) -> bool {
        !self.waiters.is_empty()
    }

    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }
}

impl World {
    pub(super) fn wait_for_executed_gtid_set(
        &mut self,
        id: NodeId,
        entry: u64,
        gtids: &str,
        timeout_s: Option<u64>,
        header: &str,
        vertical: bool,
    ) -> Outcome {
        let set: GtidSet = gtids.parse().map_err(|_| {
            SqlError::new(
                1772,
                "HY000",
                format!("Malformed GTID set specification '{gtids}'."),
            )
        })?;
        if set.is_subset_of(&self.nodes[id.index()].gtid_executed) {
            return Ok(Answer::Rows(result(header, 0)));
        }
        let now_us = self.now().as_micros();
        let deadline = (timeout_s.filter(|t| *t > 0))
            .map(|t| Instant::from_micros(now_us.saturating_add(t.saturating_mul(1_000_000))));
        if timeout_s == Some(0) {
            // MySQL 8.0.18+: a zero timeout does not wait at all.
            return Ok(Answer::Rows(result(header, 1)));
        }
        self.console.waiters.push(Waiter {
            node: id,
            entry,
            gtids: set,
            deadline,
            header: header.to_string(),
            vertical,
        });
        Ok(Answer::Pending)
    }

    /// After an event (or up to a time): answer the sessions whose wait is over.
    pub(crate) fn release_console_waiters(&mut self, until: Instant) {
        if !self.console.has_waiters() {
            return;
        }
        let nodes = &self.nodes;
        let executed = |n: NodeId, set: &GtidSet| {
            nodes
                .get(n.index())
                .is_some_and(|node| set.is_subset_of(&node.gtid_executed))
        };
        self.console.release_waiters(until, &executed);
        if self.console.has_ready() {
            self.drain_ready_consoles();
            self.carry_out();
        }
    }
}
