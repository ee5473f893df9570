//! What the user has picked on the canvas: the inspector shows it, the canvas marks it and
//! the keys act on it. One thing at a time, except nodes, which shift-click gathers for a
//! partition.

use crate::engine::{Addr, NodeId};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Selection {
    #[default]
    Nothing,
    Node(NodeId),
    /// Two or more nodes in the order picked: to partition from the rest.
    Nodes(Vec<NodeId>),
    /// A replication channel's link, as (source, replica).
    Link(Addr, Addr),
    Router,
    Manager,
}

impl Selection {
    /// What clicking the actor at `a` selects.
    pub fn actor(a: Addr) -> Selection {
        match a {
            Addr::Node(n) => Selection::Node(n),
            Addr::Router => Selection::Router,
            Addr::Manager => Selection::Manager,
        }
    }

    /// A click on a node: it alone; with `add` (shift), joined to the nodes already picked.
    pub fn pick_node(&mut self, node: NodeId, add: bool) {
        let mut nodes = match (add, std::mem::take(self)) {
            (true, Selection::Node(n)) => vec![n],
            (true, Selection::Nodes(ns)) => ns,
            _ => Vec::new(),
        };
        if !nodes.contains(&node) {
            nodes.push(node);
        }
        *self = match nodes.as_slice() {
            [one] => Selection::Node(*one),
            _ => Selection::Nodes(nodes),
        };
    }

    /// The nodes picked, in the order picked.
    pub fn nodes(&self) -> &[NodeId] {
        match self {
            Selection::Node(n) => std::slice::from_ref(n),
            Selection::Nodes(ns) => ns,
            _ => &[],
        }
    }

    /// The node the keys act on (`c` crashes it, `r` restarts it): the first picked.
    pub fn first_node(&self) -> Option<NodeId> {
        self.nodes().first().copied()
    }

    pub fn link(&self) -> Option<(Addr, Addr)> {
        match self {
            Selection::Link(a, b) => Some((*a, *b)),
            _ => None,
        }
    }

    /// Whether the link between `a` and `b` is picked, whichever way it was clicked.
    pub fn has_link(&self, a: Addr, b: Addr) -> bool {
        self.link().is_some_and(|l| l == (a, b) || l == (b, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: NodeId = NodeId(0);
    const B: NodeId = NodeId(1);
    const C: NodeId = NodeId(2);

    #[test]
    fn a_click_picks_one_node_and_shift_click_gathers_several() {
        let mut s = Selection::Nothing;
        s.pick_node(A, true);
        assert_eq!(s, Selection::Node(A), "shift with nothing picked: just it");
        s.pick_node(B, true);
        s.pick_node(C, true);
        s.pick_node(B, true);
        assert_eq!(s, Selection::Nodes(vec![A, B, C]), "each once, in order");
        assert_eq!(s.first_node(), Some(A));
        s.pick_node(C, false);
        assert_eq!(s, Selection::Node(C));
        s.pick_node(C, true);
        assert_eq!(s, Selection::Node(C), "picking it again changes nothing");
        assert_eq!(s.nodes(), &[C]);
    }

    #[test]
    fn a_node_replaces_a_picked_link_or_actor() {
        let (a, b) = (Addr::Node(A), Addr::Node(B));
        for other in [Selection::Link(a, b), Selection::Router, Selection::Manager] {
            let mut s = other;
            s.pick_node(C, true);
            assert_eq!(s, Selection::Node(C));
        }
    }

    #[test]
    fn a_link_is_the_same_either_way_and_holds_no_node() {
        let (a, b, c) = (Addr::Node(A), Addr::Node(B), Addr::Node(C));
        let s = Selection::Link(a, b);
        assert!(s.has_link(a, b) && s.has_link(b, a));
        assert!(!s.has_link(a, c));
        assert_eq!(s.link(), Some((a, b)));
        assert!(s.nodes().is_empty() && s.first_node().is_none());
        assert!(!Selection::Nothing.has_link(a, b));
    }

    #[test]
    fn actors_are_selected_by_address() {
        assert_eq!(Selection::actor(Addr::Router), Selection::Router);
        assert_eq!(Selection::actor(Addr::Manager), Selection::Manager);
        assert_eq!(Selection::actor(Addr::Node(B)), Selection::Node(B));
        assert_eq!(Selection::Router.link(), None);
    }
}
