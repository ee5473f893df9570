//! The event queue: every future event of the run, ordered by (time, insertion sequence),
//! so events at the same microsecond are processed in the order they were queued, every run.

use super::command::Command;
use super::effects::Timer;
use super::ids::Addr;
use super::message::Msg;
use super::time::Instant;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Debug)]
pub(crate) enum Event {
    Deliver {
        from: Addr,
        to: Addr,
        msg: Msg,
        cut_gen_at_send: u32,
        sent_us: Instant,
        departs_us: Instant,
    },
    Timer {
        owner: Addr,
        timer: Timer,
    },
    Command(Command),
}

/// A queue entry: small, so the heap moves 24 bytes, not whole events; the event waits
/// in a slab slot.
#[derive(Clone, Copy, Debug)]
struct Queued {
    at: Instant,
    seq: u64,
    slot: u32,
}

/// The event queue: a binary heap ordered by (time, insertion sequence) over a slab.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Queued>,
    /// Insertion sequence of the last push: ties in time are broken by it.
    seq: u64,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
}

impl EventQueue {
    /// Queues `event` at `at`, after everything already queued at the same time.
    pub(crate) fn push(&mut self, at: Instant, event: Event) {
        self.seq += 1;
        let seq = self.seq;
        let slot = match self.free.pop() {
            Some(s) => {
                self.slab[s as usize] = Some(event);
                s
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Queued { at, seq, slot });
    }

    pub(crate) fn peek_at(&self) -> Option<Instant> {
        self.heap.peek().map(|q| q.at)
    }

    pub(crate) fn pop(&mut self) -> Option<(Instant, u64, Event)> {
        let q = self.heap.pop()?;
        let event = self.slab[q.slot as usize].take()?;
        self.free.push(q.slot);
        Some((q.at, q.seq, event))
    }

    /// Bytes the queue holds (its heap, slab and free list), for a world's footprint.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slab.capacity() * size_of::<Option<Event>>()
            + self.heap.capacity() * size_of::<Queued>()
            + self.free.capacity() * size_of::<u32>()
    }

    /// The insertion sequence of the last event queued.
    pub(crate) fn last_seq(&self) -> u64 {
        self.seq
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (Instant, &Event)> + '_ {
        self.heap
            .iter()
            .filter_map(|q| self.slab[q.slot as usize].as_ref().map(|e| (q.at, e)))
    }
}

impl PartialEq for Queued {
    fn eq(&self, o: &Self) -> bool {
        self.at == o.at && self.seq == o.seq
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Queued {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(micros: u64) -> Instant {
        Instant::from_micros(micros)
    }

    fn command(n: &str) -> Event {
        Event::Command(Command::Restart { node: n.into() })
    }

    fn popped(q: &mut EventQueue) -> Vec<(Instant, String)> {
        std::iter::from_fn(|| q.pop())
            .map(|(at, _, e)| match e {
                Event::Command(Command::Restart { node }) => (at, node),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn earliest_first_and_ties_in_insertion_order() {
        let mut q = EventQueue::default();
        q.push(at(20), command("late"));
        q.push(at(10), command("first"));
        q.push(at(10), command("second"));
        q.push(at(10), command("third"));
        assert_eq!(q.peek_at(), Some(at(10)));
        assert_eq!(q.last_seq(), 4);
        let order: Vec<String> = popped(&mut q).into_iter().map(|(_, n)| n).collect();
        assert_eq!(order, ["first", "second", "third", "late"]);
    }

    #[test]
    fn freed_slots_are_reused_without_disturbing_order() {
        let mut q = EventQueue::default();
        q.push(at(5), command("a"));
        q.pop();
        q.push(at(7), command("b"));
        q.push(at(6), command("c"));
        assert_eq!(q.slab.len(), 2, "the slot of the popped event was reused");
        assert_eq!(popped(&mut q), [(at(6), "c".into()), (at(7), "b".into())]);
    }
}
