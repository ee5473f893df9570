//! The help overlay: every symbol, colour and key on the page, explained.

use super::Msg;
use yew::prelude::*;

pub fn view(link: &html::Scope<super::App>) -> Html {
    let close = link.callback(|_| Msg::ToggleHelp);
    html! {
        <div class="help-overlay" role="dialog" aria-modal="true" aria-label="Help">
            <div class="help-box">
                <h2>{ "How to read the playground" }</h2>
                <div class="help-grid">
                    <div>
                        <h3>{ "Nodes" }</h3>
                        <ul class="legend">
                            <li><span class="swatch primary"></span>{ "primary: writable, no source" }</li>
                            <li><span class="swatch replica"></span>{ "replica: replicates from its source" }</li>
                            <li><span class="swatch intermediate"></span>{ "intermediate source: a replica with replicas" }</li>
                            <li><span class="swatch co-primary"></span>{ "co-primary: replicates from a node that replicates from it" }</li>
                            <li><span class="swatch crashed"></span>{ "crashed or recovering (dashed)" }</li>
                            <li><span class="swatch broken"></span>{ "thick orange ring: replication broken (an error stopped a thread)" }</li>
                            <li><span class="swatch watched"></span>{ "white dotted glow: what the lesson step says to watch (a node, the router, the orchestrator, a link, a panel), or a finding's nodes" }</li>
                        </ul>
                        <p>{ "Bars under a node: its binlog file filling up; for a replica, how much of its source's transactions it has received (relay log) and applied. The badge is Seconds_Behind_Source." }</p>
                        <p>{ "Sharded clusters: one column per shard; the bar at its top is its key range within the whole keyspace, the warmer the column the larger its share of the traffic. A dashed column serves nothing yet (a resharding target) or any more (a retired source)." }</p>
                    </div>
                    <div>
                        <h3>{ "Links and messages" }</h3>
                        <ul class="legend">
                            <li><span class="swatch line-ok"></span>{ "replication channel, both threads running" }</li>
                            <li><span class="swatch line-starting"></span>{ "receiver connecting for the first time (nothing has failed)" }</li>
                            <li><span class="swatch line-connecting"></span>{ "receiver reconnecting after an error" }</li>
                            <li><span class="swatch line-wire"></span>{ "network link of the router or the orchestrator (brighter with a message on it)" }</li>
                            <li><span class="swatch line-broken"></span>{ "stopped or broken" }</li>
                            <li><span class="dot binlog"></span>{ "binlog event" }<span class="dot ack"></span>{ "semi-sync ack" }</li>
                            <li><span class="dot heartbeat"></span>{ "heartbeat" }<span class="dot client"></span>{ "client query / reply" }</li>
                            <li><span class="dot probe"></span>{ "probe" }<span class="dot admin"></span>{ "admin command" }<span class="dot connection"></span>{ "connect / reset" }</li>
                            <li><span class="cut-x">{ "✕" }</span>{ "a cut link, on its line; a partition's sides are shaded and named" }</li>
                            <li><span class="swatch line-stream"></span>{ "resharding stream (VReplication): copying, replicating, or red when stalled" }</li>
                        </ul>
                    </div>
                    <div>
                        <h3>{ "Keys" }</h3>
                        <ul class="keys">
                            <li><kbd>{ "space" }</kbd>{ " play / pause" }</li>
                            <li><kbd>{ "→" }</kbd>{ " one event" }</li>
                            <li><kbd>{ "←" }</kbd>{ " one event back" }</li>
                            <li><kbd>{ "Tab" }</kbd>{ " then " }<kbd>{ "Enter" }</kbd>{ " reach and select a node, a link or a timeline mark" }</li>
                            <li><kbd>{ "c" }</kbd>{ " crash the selected node" }</li>
                            <li><kbd>{ "r" }</kbd>{ " restart the selected node" }</li>
                            <li><kbd>{ "x" }</kbd>{ " cut the selected link both ways" }</li>
                            <li><kbd>{ "h" }</kbd>{ " heal every link" }</li>
                            <li><kbd>{ "n" }</kbd>{ " / " }<kbd>{ "b" }</kbd>{ " next / previous lesson step, and the run to its moment" }</li>
                            <li><kbd>{ "[" }</kbd>{ " / " }<kbd>{ "]" }</kbd>{ " previous / next timeline mark (fault, failover, finding, lesson step)" }</li>
                            <li><kbd>{ "p" }</kbd>{ " presenter mode: the canvas fills the screen" }</li>
                            <li><kbd>{ "?" }</kbd>{ " this help" }</li>
                            <li><kbd>{ "Esc" }</kbd>{ " close a dialog, or clear the selection" }</li>
                        </ul>
                        <p>{ "Click a node or a link to act on it; shift-click several nodes (on a touch screen: turn on \"Select several\" at the canvas's lower left and tap them) to partition them from the rest. The timeline's marks are faults (orange), failovers (blue), findings (red) and lesson steps (green), over the whole run computed so far; marks at one moment are merged into one with a count. Hover or focus one for its label; click it (or Enter) to go there." }</p>
                    </div>
                </div>
                { super::glossary::view_all() }
                <button type="button" class="close" onclick={close}>{ "Close" }</button>
            </div>
        </div>
    }
}
