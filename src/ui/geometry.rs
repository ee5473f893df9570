//! Where things are drawn: pure functions of the topology, tested natively.
//!
//! Coordinates are in the SVG's user space (`VIEW_W` × `VIEW_H`); the browser scales it.

pub const VIEW_W: f64 = 1000.0;
pub const VIEW_H: f64 = 640.0;
pub const NODE_R: f64 = 42.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// Left and right margin of the area where nodes go (the router and manager sit above it).
const MARGIN_X: f64 = 60.0;
/// Replicas on an arc up to this many; beyond, in rows.
const ARC_REPLICAS: usize = 8;
/// The narrowest room a node gets: a small circle and its name in 18-unit text.
const MIN_CELL: f64 = 52.0;

/// How much of a node is drawn, by the room it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Name and role inside, health under it, a lag badge, and labelled bars.
    Full,
    /// Name and role inside, health and lag under it (no bars).
    Medium,
    /// A small circle with the name; health shows in its colour and outline.
    Compact,
}

/// A node's radius and detail, the same for every node of a layout.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeLook {
    pub r: f64,
    pub detail: Detail,
}

/// The look for nodes that each have `cell` units of width: every text stays 18 units
/// (14 CSS px at the smallest scale a 1280×720 page draws at), so crowded layouts draw less.
pub fn node_look(cell: f64) -> NodeLook {
    if cell >= 190.0 {
        NodeLook {
            r: NODE_R,
            detail: Detail::Full,
        }
    } else if cell >= 130.0 {
        NodeLook {
            r: 36.0,
            detail: Detail::Medium,
        }
    } else {
        // Two selection rings (7 units each) and a little air between neighbours.
        NodeLook {
            r: ((cell - 16.0) / 2.0).clamp(16.0, 28.0),
            detail: Detail::Compact,
        }
    }
}

/// Rows for `replicas` nodes across `width` units: (rows, per row, cell width).
fn rows_for(replicas: usize, width: f64) -> (usize, usize, f64) {
    let replicas = replicas.max(1);
    let most = ((width / MIN_CELL).floor() as usize).clamp(1, replicas);
    let rows = replicas.div_ceil(most);
    let per_row = replicas.div_ceil(rows);
    (rows, per_row, width / per_row as f64)
}

/// Room each replica has in a plain (unsharded) topology of `count` nodes.
pub fn plain_cell(count: usize) -> f64 {
    let replicas = count.saturating_sub(1);
    if replicas <= 1 {
        return VIEW_W;
    }
    if replicas <= ARC_REPLICAS {
        // The chord between neighbours on the arc.
        let step = arc_span(replicas) / (replicas - 1) as f64;
        return 2.0 * ARC_RADIUS * (step / 2.0).sin();
    }
    rows_for(replicas, VIEW_W - 2.0 * MARGIN_X).2
}

const ARC_RADIUS: f64 = 320.0;
const PRIMARY_Y: f64 = 140.0;

fn arc_span(replicas: usize) -> f64 {
    (140.0_f64).min(30.0 * replicas as f64).to_radians()
}

/// The primary at the top centre; up to eight replicas on an arc below it, evenly spaced;
/// more in rows (alternate rows shifted, so links from the primary pass between nodes).
/// The router (with the application) is on the left, the failover manager on the right.
pub fn node_position(index: usize, count: usize) -> Point {
    if index == 0 || count <= 1 {
        return Point {
            x: VIEW_W / 2.0,
            y: PRIMARY_Y,
        };
    }
    let replicas = count - 1;
    let i = index - 1;
    if replicas > ARC_REPLICAS {
        let width = VIEW_W - 2.0 * MARGIN_X;
        let (rows, per_row, cell) = rows_for(replicas, width);
        let (row, col) = (i / per_row, i % per_row);
        let in_row = (replicas - row * per_row).min(per_row) as f64;
        let spacing = (300.0 / (rows.max(2) - 1) as f64).min(110.0);
        let shift = if row % 2 == 1 {
            cell / 4.0
        } else {
            -cell / 4.0
        };
        let x0 = VIEW_W / 2.0 - cell * in_row / 2.0;
        return Point {
            x: (x0 + cell * (col as f64 + 0.5) + shift).clamp(MARGIN_X, VIEW_W - MARGIN_X),
            y: 300.0 + spacing * row as f64,
        };
    }
    let span = arc_span(replicas);
    let angle = if replicas <= 1 {
        0.0
    } else {
        -span / 2.0 + span * i as f64 / (replicas - 1) as f64
    };
    Point {
        x: VIEW_W / 2.0 + ARC_RADIUS * angle.sin(),
        y: PRIMARY_Y + ARC_RADIUS * angle.cos(),
    }
}

/// Sharded: how a shard's replicas sit in its column: rows, per row, the room each has
/// (the smaller of its width and the row spacing), the first row's y and the spacing.
struct ShardRows {
    per_row: usize,
    cell: f64,
    first: f64,
    spacing: f64,
}

fn shard_rows(group_size: usize, groups: usize) -> ShardRows {
    let width = (VIEW_W - 2.0 * MARGIN_X) / groups.max(1) as f64;
    let replicas = group_size.saturating_sub(1).max(1);
    let (rows, per_row, cell) = rows_for(replicas, width);
    // A full-detail replica needs its bars' room under the primary's; small ones sit closer.
    let first = match node_look(cell).detail {
        Detail::Full => 475.0,
        Detail::Medium => 445.0,
        Detail::Compact => 375.0,
    };
    let spacing = if rows > 1 {
        ((610.0 - first) / (rows - 1) as f64).min(100.0)
    } else {
        f64::INFINITY
    };
    ShardRows {
        per_row,
        cell: if group_size <= 1 {
            width
        } else {
            cell.min(spacing)
        },
        first,
        spacing,
    }
}

/// Sharded: room each node has — a column per shard, its replicas in rows.
pub fn shard_cell(group_size: usize, groups: usize) -> f64 {
    shard_rows(group_size, groups).cell
}

/// Sharded: one column per shard between the router and the manager, each shard's
/// primary on top and its replicas in rows below.
pub fn shard_node_position(group: usize, index: usize, group_size: usize, groups: usize) -> Point {
    let width = (VIEW_W - 2.0 * MARGIN_X) / groups.max(1) as f64;
    let cx = MARGIN_X + width * (group as f64 + 0.5);
    if index == 0 {
        return Point { x: cx, y: 305.0 };
    }
    let replicas = group_size.saturating_sub(1).max(1);
    let rows = shard_rows(group_size, groups);
    let (row, col) = ((index - 1) / rows.per_row, (index - 1) % rows.per_row);
    let in_row = (replicas - row * rows.per_row).min(rows.per_row) as f64;
    let step = width / in_row.max(1.0);
    let down = if rows.spacing.is_finite() {
        rows.spacing * row as f64
    } else {
        0.0
    };
    Point {
        x: cx - width / 2.0 + step * (col as f64 + 0.5),
        y: rows.first + down,
    }
}

/// The band above each shard's column where its key range bar is drawn: (left, right).
pub fn shard_band(group: usize, groups: usize) -> (f64, f64) {
    let groups = groups.max(1) as f64;
    let width = (VIEW_W - 2.0 * MARGIN_X) / groups;
    let x0 = MARGIN_X + width * group as f64;
    (x0 + 8.0, x0 + width - 8.0)
}

pub fn router_position() -> Point {
    Point { x: 110.0, y: 140.0 }
}

pub fn manager_position() -> Point {
    Point {
        x: VIEW_W - 110.0,
        y: 140.0,
    }
}

/// The router↔manager link arcs over the top of the canvas (a straight line would run
/// through the primary): the quadratic curve's control point.
pub fn actor_curve_control() -> Point {
    Point {
        x: VIEW_W / 2.0,
        y: -20.0,
    }
}

/// The point halfway along the quadratic curve from `a` to `b` with control `c`.
pub fn curve_mid(a: Point, c: Point, b: Point) -> Point {
    Point {
        x: 0.25 * a.x + 0.5 * c.x + 0.25 * b.x,
        y: 0.25 * a.y + 0.5 * c.y + 0.25 * b.y,
    }
}

/// The smallest convex polygon around `points` (Andrew's monotone chain), counter-clockwise
/// in SVG's y-down space; fewer than three distinct points come back as they are.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    let mut p: Vec<Point> = points.to_vec();
    p.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross =
        |o: Point, a: Point, b: Point| (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
    let mut hull: Vec<Point> = Vec::with_capacity(p.len() * 2);
    for pass in [p.clone(), p.iter().rev().copied().collect()] {
        let start = hull.len();
        for q in pass {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0
            {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    hull
}

/// Where a message is at `now`, moving in a straight line from `from` to `to` between
/// its send and arrival times (clamped to the ends).
pub fn message_position(
    from: Point,
    to: Point,
    sent_us: u64,
    arrive_us: u64,
    now_us: u64,
) -> Point {
    let t = if arrive_us <= sent_us {
        1.0
    } else {
        (now_us.saturating_sub(sent_us)) as f64 / (arrive_us - sent_us) as f64
    };
    let t = t.clamp(0.0, 1.0);
    Point {
        x: from.x + (to.x - from.x) * t,
        y: from.y + (to.y - from.y) * t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apart(points: &[Point], gap: f64) -> Result<(), String> {
        for (i, a) in points.iter().enumerate() {
            for b in &points[i + 1..] {
                let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                if d < gap {
                    return Err(format!("{a:?} and {b:?} are {d:.1} apart, under {gap:.1}"));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn primary_is_top_centre_and_every_node_is_inside_the_view() {
        assert_eq!(
            node_position(0, 5),
            Point {
                x: VIEW_W / 2.0,
                y: 140.0
            }
        );
        for count in 2..=64 {
            let r = node_look(plain_cell(count)).r;
            for i in 1..count {
                let p = node_position(i, count);
                assert!(p.x > r && p.x < VIEW_W - r, "{count} {i} {p:?}");
                assert!(p.y > r && p.y < VIEW_H - r, "{count} {i} {p:?}");
            }
        }
    }

    #[test]
    fn no_two_nodes_overlap_up_to_64_nodes() {
        for count in 2..=64 {
            let look = node_look(plain_cell(count));
            let all: Vec<Point> = (0..count).map(|i| node_position(i, count)).collect();
            // Two rims and their selection rings (7 units each) never touch.
            apart(&all, 2.0 * look.r + 14.0).unwrap_or_else(|e| panic!("{count} nodes: {e}"));
        }
    }

    #[test]
    fn crowded_clusters_draw_less_so_names_fit_their_room() {
        assert_eq!(node_look(plain_cell(4)).detail, Detail::Full);
        assert_eq!(node_look(plain_cell(32)).detail, Detail::Compact);
        assert_eq!(node_look(shard_cell(3, 8)).detail, Detail::Compact);
        for count in 2..=64 {
            // A name of four characters is about 40 units wide at 18-unit text.
            assert!(plain_cell(count) >= MIN_CELL, "{count}");
        }
    }

    #[test]
    fn shard_columns_stay_apart_and_inside_the_view() {
        // Up to 64 nodes: 8 shards (or 8 and 2 resharding targets) of a primary and replicas.
        for groups in 1..=10 {
            for size in 1..=(64 / groups) {
                let look = node_look(shard_cell(size, groups));
                let mut all = Vec::new();
                for g in 0..groups {
                    for i in 0..size {
                        let p = shard_node_position(g, i, size, groups);
                        assert!(p.x > 0.0 && p.x < VIEW_W && p.y < VIEW_H - look.r, "{p:?}");
                        all.push(p);
                    }
                }
                apart(&all, 2.0 * look.r + 8.0)
                    .unwrap_or_else(|e| panic!("{groups} shards of {size}: {e}"));
            }
        }
    }

    #[test]
    fn a_hull_keeps_the_outside_points_only() {
        let pt = |x, y| Point { x, y };
        let square = [
            pt(0.0, 0.0),
            pt(10.0, 0.0),
            pt(5.0, 5.0),
            pt(10.0, 10.0),
            pt(0.0, 10.0),
        ];
        let hull = convex_hull(&square);
        assert_eq!(hull.len(), 4, "{hull:?}");
        assert!(!hull.contains(&pt(5.0, 5.0)));
        assert_eq!(
            convex_hull(&[pt(1.0, 1.0), pt(1.0, 1.0)]),
            vec![pt(1.0, 1.0)]
        );
        assert_eq!(
            convex_hull(&[pt(0.0, 0.0), pt(4.0, 0.0), pt(2.0, 0.0)]).len(),
            2
        );
    }

    #[test]
    fn the_actor_curve_passes_above_the_primary() {
        let mid = curve_mid(router_position(), actor_curve_control(), manager_position());
        assert!(mid.y < node_position(0, 4).y - NODE_R - 7.0, "{mid:?}");
    }

    #[test]
    fn messages_move_from_source_to_target_and_stay_on_the_line() {
        let (a, b) = (Point { x: 0.0, y: 0.0 }, Point { x: 100.0, y: 50.0 });
        assert_eq!(message_position(a, b, 10, 20, 10), a);
        assert_eq!(message_position(a, b, 10, 20, 20), b);
        assert_eq!(
            message_position(a, b, 10, 20, 15),
            Point { x: 50.0, y: 25.0 }
        );
        assert_eq!(message_position(a, b, 10, 20, 99), b);
        assert_eq!(message_position(a, b, 30, 20, 0), b);
    }
}
