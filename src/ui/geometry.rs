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

/// The primary at the top centre, replicas on an arc below it, evenly spaced; the router
/// (with the application) on the left, the failover manager on the right.
pub fn node_position(index: usize, count: usize) -> Point {
    if index == 0 || count <= 1 {
        return Point {
            x: VIEW_W / 2.0,
            y: 140.0,
        };
    }
    let replicas = (count - 1) as f64;
    let i = (index - 1) as f64;
    // Spread replicas over up to 140° of arc centred below the primary.
    let span = (140.0_f64).min(30.0 * replicas).to_radians();
    let angle = if replicas <= 1.0 {
        0.0
    } else {
        -span / 2.0 + span * i / (replicas - 1.0)
    };
    let radius = 320.0;
    Point {
        x: VIEW_W / 2.0 + radius * angle.sin(),
        y: 140.0 + radius * angle.cos(),
    }
}

/// Sharded: one column per shard between the router and the manager, each shard's
/// primary on top and its replicas in a row below (two rows when they do not fit).
pub fn shard_node_position(group: usize, index: usize, group_size: usize, groups: usize) -> Point {
    let groups = groups.max(1) as f64;
    let left = 60.0;
    let width = (VIEW_W - 2.0 * left) / groups;
    let cx = left + width * (group as f64 + 0.5);
    if index == 0 {
        return Point { x: cx, y: 305.0 };
    }
    let replicas = group_size.saturating_sub(1).max(1);
    let per_row = ((width / (2.2 * NODE_R)).floor() as usize).clamp(1, replicas);
    let (row, col) = ((index - 1) / per_row, (index - 1) % per_row);
    let in_row = (replicas - row * per_row).min(per_row) as f64;
    let step = width / in_row.max(1.0);
    let rows = replicas.div_ceil(per_row);
    let spacing = if rows > 1 {
        (170.0 / (rows - 1) as f64).min(100.0)
    } else {
        0.0
    };
    Point {
        x: cx - width / 2.0 + step * (col as f64 + 0.5),
        y: 420.0 + spacing * row as f64,
    }
}

/// The band above each shard's column where its key range bar is drawn: (left, right).
pub fn shard_band(group: usize, groups: usize) -> (f64, f64) {
    let groups = groups.max(1) as f64;
    let left = 60.0;
    let width = (VIEW_W - 2.0 * left) / groups;
    let x0 = left + width * group as f64;
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

    #[test]
    fn primary_is_top_centre_and_replicas_are_inside_the_view() {
        assert_eq!(
            node_position(0, 5),
            Point {
                x: VIEW_W / 2.0,
                y: 140.0
            }
        );
        for count in 2..=32 {
            for i in 1..count {
                let p = node_position(i, count);
                assert!(p.x > NODE_R && p.x < VIEW_W - NODE_R, "{count} {i} {p:?}");
                assert!(p.y > NODE_R && p.y < VIEW_H - NODE_R, "{count} {i} {p:?}");
            }
        }
    }

    #[test]
    fn replicas_do_not_overlap_for_small_clusters() {
        for count in 2..=9 {
            for i in 1..count {
                for j in (i + 1)..count {
                    let (a, b) = (node_position(i, count), node_position(j, count));
                    let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                    assert!(d >= 2.0 * NODE_R, "{count}: {i} and {j} overlap");
                }
            }
        }
    }

    #[test]
    fn shard_columns_stay_apart_and_inside_the_view() {
        for groups in 1..=8 {
            for size in 1..=4 {
                let mut all = Vec::new();
                for g in 0..groups {
                    for i in 0..size {
                        let p = shard_node_position(g, i, size, groups);
                        assert!(p.x > 0.0 && p.x < VIEW_W && p.y < VIEW_H - NODE_R, "{p:?}");
                        all.push(p);
                    }
                }
                if groups <= 4 {
                    for (i, a) in all.iter().enumerate() {
                        for b in &all[i + 1..] {
                            let d = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                            assert!(d >= 2.0 * NODE_R, "{groups}×{size}: {a:?} {b:?}");
                        }
                    }
                }
            }
        }
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
