//! The simulated network: per-direction latency, jitter and loss; links cut one way or both.
//!
//! Links form a dense matrix over every address (nodes, then router, then manager). Each
//! direction keeps TCP's in-order delivery: a message never overtakes an earlier one on
//! the same link. A cut drops what is sent and what is still in flight; `cut_gen` lets
//! the world recognise a message that was in flight when its link was cut, even if the
//! link has healed by the time it would arrive.

use super::config::LinkConfig;
use super::ids::{Addr, NodeId};
use super::rng::SimRng;
use crate::time::{Duration, Instant, ms, us};

/// TCP's minimum retransmission timeout on Linux: what a lost packet costs.
const RETRANSMIT: Duration = ms(200);

#[derive(Clone, Debug)]
pub struct Link {
    pub cfg: LinkConfig,
    pub cut: bool,
    pub cut_gen: u32,
    last_delivery: Instant,
    /// When the last message sent on this link leaves the sending host (later than its
    /// send while a lost packet waits for its retransmission).
    last_departure: Instant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmission {
    pub departs: Instant,
    pub arrive: Instant,
    pub cut_gen: u32,
}

#[derive(Clone, Debug)]
pub struct Network {
    nodes: u32,
    links: Vec<Link>,
}

impl Network {
    pub fn new(nodes: u32, default: LinkConfig) -> Self {
        let n = (nodes + 2) as usize;
        let link = Link {
            cfg: default,
            cut: false,
            cut_gen: 0,
            last_delivery: Instant::ZERO,
            last_departure: Instant::ZERO,
        };
        Network {
            nodes,
            links: vec![link; n * n],
        }
    }

    /// A server joins at run time: the matrix grows by one row and column (the router and
    /// the manager move up one index); every existing link keeps its state, the new
    /// ones get `default`.
    pub fn add_node(&mut self, default: LinkConfig) -> NodeId {
        let old = self.clone();
        let id = NodeId(self.nodes);
        *self = Network::new(self.nodes + 1, default);
        for i in 0..old.addr_count() {
            for j in 0..old.addr_count() {
                let (from, to) = (old.addr(i), old.addr(j));
                *self.link_mut(from, to) = old.link(from, to).clone();
            }
        }
        id
    }

    pub fn addr_count(&self) -> u32 {
        self.nodes + 2
    }

    pub fn index(&self, a: Addr) -> usize {
        match a {
            Addr::Node(NodeId(i)) => i as usize,
            Addr::Router => self.nodes as usize,
            Addr::Manager => self.nodes as usize + 1,
        }
    }

    pub fn addr(&self, index: u32) -> Addr {
        match index.checked_sub(self.nodes) {
            None => Addr::Node(NodeId(index)),
            Some(0) => Addr::Router,
            Some(_) => Addr::Manager,
        }
    }

    pub fn contains(&self, a: Addr) -> bool {
        match a {
            Addr::Node(NodeId(i)) => i < self.nodes,
            _ => true,
        }
    }

    fn slot(&self, from: Addr, to: Addr) -> usize {
        self.index(from) * (self.nodes as usize + 2) + self.index(to)
    }

    pub fn link(&self, from: Addr, to: Addr) -> &Link {
        &self.links[self.slot(from, to)]
    }

    pub fn link_mut(&mut self, from: Addr, to: Addr) -> &mut Link {
        let s = self.slot(from, to);
        &mut self.links[s]
    }

    /// When a message sent now would leave the sending host and when it would arrive, or
    /// `None` if the link is cut. A lost packet waits in the sender's buffer for its
    /// retransmission: it leaves later (and dies with the host if the power goes first).
    /// A link is one TCP stream: the receiver's kernel hands the application nothing past
    /// a hole, so a message counts as gone only once every earlier one has — if the host
    /// dies while an earlier packet waits for its retransmission, this one is never read
    /// either (`departs` is the later of the two).
    pub fn transmit(
        &mut self,
        now: Instant,
        from: Addr,
        to: Addr,
        rng: &mut SimRng,
    ) -> Option<Transmission> {
        let link = self.link_mut(from, to);
        if link.cut {
            return None;
        }
        let mut held = Duration::ZERO;
        let mut rto = RETRANSMIT;
        let mut tries = 0;
        while tries < 6 && rng.chance(u64::from(link.cfg.loss_permille), 1_000) {
            held += rto;
            rto *= 2;
            tries += 1;
        }
        let flight = us(link.cfg.latency_us) + us(rng.between(0, link.cfg.jitter_us));
        let arrive = (now + held + flight.max(us(1))).max(link.last_delivery);
        link.last_delivery = arrive;
        let departs = (now + held).max(link.last_departure);
        link.last_departure = departs;
        Some(Transmission {
            departs,
            arrive,
            cut_gen: link.cut_gen,
        })
    }

    /// Whether a message sent with `cut_gen_at_send` still arrives.
    pub fn arrives(&self, from: Addr, to: Addr, cut_gen_at_send: u32) -> bool {
        let link = self.link(from, to);
        !link.cut && link.cut_gen == cut_gen_at_send
    }

    pub fn set_cut(&mut self, from: Addr, to: Addr, cut: bool) {
        let link = self.link_mut(from, to);
        if cut && !link.cut {
            link.cut_gen = link.cut_gen.wrapping_add(1);
        }
        link.cut = cut;
    }

    /// A host lost power: its connections died with it, so what it sends after it is
    /// back up starts new streams that no packet of the old ones holds back.
    pub fn forget_streams_from(&mut self, from: Addr, now: Instant) {
        for i in 0..self.addr_count() {
            let to = self.addr(i);
            let link = self.link_mut(from, to);
            link.last_departure = link.last_departure.min(now);
        }
    }

    pub fn heal_all(&mut self) {
        for l in &mut self.links {
            l.cut = false;
        }
    }

    /// Every address pair whose link is cut (for the UI and the report).
    pub fn cuts(&self) -> Vec<(Addr, Addr)> {
        let n = self.addr_count();
        let mut out = Vec::new();
        for a in 0..n {
            for b in 0..n {
                if a != b && self.links[(a * n + b) as usize].cut {
                    out.push((self.addr(a), self.addr(b)));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn messages_on_a_link_never_overtake() {
        let mut net = Network::new(
            2,
            LinkConfig {
                latency_us: 1_000,
                jitter_us: 5_000,
                loss_permille: 0,
            },
        );
        let mut rng = SimRng::new(3, Stream::Network);
        let (a, b) = (Addr::Node(NodeId(0)), Addr::Node(NodeId(1)));
        let mut last = Instant::ZERO;
        for t in 0..200 {
            let at = net
                .transmit(Instant::from_micros(t * 10), a, b, &mut rng)
                .unwrap()
                .arrive;
            assert!(at >= last);
            last = at;
        }
    }

    #[test]
    fn a_cut_drops_messages_in_flight_even_after_healing() {
        let mut net = Network::new(1, LinkConfig::default());
        let mut rng = SimRng::new(3, Stream::Network);
        let (a, b) = (Addr::Node(NodeId(0)), Addr::Router);
        let cut_gen_at_send = net
            .transmit(Instant::from_micros(0), a, b, &mut rng)
            .unwrap()
            .cut_gen;
        net.set_cut(a, b, true);
        assert!(
            net.transmit(Instant::from_micros(1), a, b, &mut rng)
                .is_none()
        );
        net.set_cut(a, b, false);
        assert!(!net.arrives(a, b, cut_gen_at_send));
        let gen2 = net
            .transmit(Instant::from_micros(2), a, b, &mut rng)
            .unwrap()
            .cut_gen;
        assert!(net.arrives(a, b, gen2));
        assert!(net.arrives(b, a, 0));
        assert_eq!(net.cuts(), vec![]);
    }

    #[test]
    fn loss_costs_retransmissions_not_messages() {
        let mut net = Network::new(
            1,
            LinkConfig {
                latency_us: 100,
                jitter_us: 0,
                loss_permille: 1_000,
            },
        );
        let mut rng = SimRng::new(3, Stream::Network);
        let at = net
            .transmit(Instant::ZERO, Addr::Router, Addr::Manager, &mut rng)
            .unwrap()
            .arrive;
        assert!(at > Instant::ZERO + RETRANSMIT);
    }

    #[test]
    fn a_message_behind_a_lost_packet_leaves_with_its_retransmission() {
        let lossy = LinkConfig {
            latency_us: 100,
            jitter_us: 0,
            loss_permille: 1_000,
        };
        let mut net = Network::new(1, lossy);
        let mut rng = SimRng::new(3, Stream::Network);
        let (a, b) = (Addr::Node(NodeId(0)), Addr::Router);
        let first = net.transmit(Instant::ZERO, a, b, &mut rng).unwrap();
        assert!(first.departs >= Instant::ZERO + RETRANSMIT);
        net.link_mut(a, b).cfg.loss_permille = 0;
        let second = net
            .transmit(Instant::from_micros(10), a, b, &mut rng)
            .unwrap();
        assert_eq!(
            second.departs, first.departs,
            "no reader sees past the hole"
        );
        // The host lost power: its next connection starts a new stream.
        net.forget_streams_from(a, Instant::from_millis(1));
        let fresh = net.transmit(Instant::from_secs(3), a, b, &mut rng).unwrap();
        assert_eq!(fresh.departs, Instant::from_secs(3));
    }

    #[test]
    fn a_node_added_at_run_time_keeps_every_existing_link_and_moves_router_and_manager() {
        let slow = LinkConfig {
            latency_us: 9_000,
            ..LinkConfig::default()
        };
        let mut net = Network::new(2, LinkConfig::default());
        let (db1, db2) = (Addr::Node(NodeId(0)), Addr::Node(NodeId(1)));
        net.set_cut(db1, Addr::Router, true);
        net.link_mut(db2, Addr::Manager).cfg = slow;
        assert_eq!(net.add_node(LinkConfig::default()), NodeId(2));
        assert_eq!(net.addr_count(), 5);
        assert_eq!(net.addr(3), Addr::Router);
        assert!(net.link(db1, Addr::Router).cut);
        assert_eq!(net.link(db1, Addr::Router).cut_gen, 1);
        assert_eq!(net.link(db2, Addr::Manager).cfg, slow);
        let db3 = Addr::Node(NodeId(2));
        assert!(net.contains(db3) && !net.link(db3, Addr::Router).cut);
        assert_eq!(net.link(db1, db3).cfg, LinkConfig::default());
    }
}
