//! The MySQL console in the node inspector: the node's transcript as the `mysql` client
//! shows it, and an input line whose statements go through the app's one door for
//! commands (`Command::Sql`), so they are recorded, replayed and shared in links.
//!
//! The transcript belongs to the World (it rewinds with the playback and reopens from a
//! link exactly); what only this page has — the ↑/↓ history of each node and the line
//! being typed — lives here. [`Prompt`] and [`ConsoleHistory`] are plain Rust, tested
//! natively; [`Console`] is the thin component around them.

use super::{App, Msg};
use crate::engine::World;
use crate::engine::console::Reply;
use crate::engine::time::{Instant, fmt_secs};
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

/// The schema the prompt names: the playground's one table lives there.
pub const SCHEMA: &str = "playground";
/// Statements of a node's transcript drawn at most (the newest); older ones are counted.
pub const SHOWN_MAX: usize = 60;
/// Statements remembered per node for ↑/↓.
pub const HISTORY_MAX: usize = 200;
/// Completion choices listed at most under the input.
const CHOICES_MAX: usize = 24;

/// The mysql client's prompt for `node`, as `mysql --prompt='\h [\d]> '` would print it.
pub fn prompt(node: &str) -> String {
    format!("{node} [{SCHEMA}]> ")
}

/// One statement of the transcript and its reply, as the console draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub at: Instant,
    pub sql: String,
    pub reply: ShownReply,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ShownReply {
    /// A write still waiting to commit (a semi-sync wait, say): it completes as the run plays.
    Waiting,
    /// Rows, `Query OK`, or a `\G` listing: as the mysql client prints them.
    Text(String),
    /// `ERROR nnnn (SQLSTATE): …`.
    Error(String),
}

/// What the console of `node` shows: its newest `SHOWN_MAX` statements, and how many
/// earlier ones are not drawn.
pub fn transcript(world: &World, node: &str) -> (Vec<Shown>, usize) {
    let entries = world.console(node);
    let earlier = entries.len().saturating_sub(SHOWN_MAX);
    let shown = entries[earlier..]
        .iter()
        .map(|e| Shown {
            at: e.at,
            sql: e.sql.clone(),
            reply: match &e.reply {
                Reply::Pending => ShownReply::Waiting,
                Reply::Done { text } => ShownReply::Text(text.clone()),
                Reply::Error { text, .. } => ShownReply::Error(text.clone()),
            },
        })
        .collect();
    (shown, earlier)
}

/// What only the page keeps of the consoles: what each node's console was sent, oldest
/// first (↑/↓ walks it, like the mysql client's own history file), and whether the
/// console is drawn wide. The World keeps the transcripts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Consoles {
    by_node: BTreeMap<String, Rc<Vec<String>>>,
    /// The side panel is widened so `\G` listings and tables fit (a projector's choice).
    pub wide: bool,
}

impl Consoles {
    /// Remembers `sql` sent to `node`; a repeat of the last line is kept once, as readline's
    /// `ignoredups` does, and the oldest lines go past `HISTORY_MAX`.
    pub fn push(&mut self, node: &str, sql: &str) {
        let lines = Rc::make_mut(self.by_node.entry(node.to_string()).or_default());
        if lines.last().is_some_and(|last| last == sql) {
            return;
        }
        lines.push(sql.to_string());
        let over = lines.len().saturating_sub(HISTORY_MAX);
        lines.drain(..over);
    }

    /// The lines sent to `node`, oldest first (shared, so a render copies no strings).
    pub fn history(&self, node: &str) -> Rc<Vec<String>> {
        self.by_node.get(node).cloned().unwrap_or_default()
    }
}

/// The input line: what is typed, where ↑/↓ is in the history, and the choices Tab found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prompt {
    pub line: String,
    /// The history entry shown while browsing with ↑/↓; none while typing a new line.
    browsing: Option<usize>,
    /// The new line typed before ↑, given back by ↓ past the newest entry.
    stash: String,
    /// Several completions fit: they are listed under the input.
    pub choices: Vec<String>,
}

impl Prompt {
    /// The user edited the line.
    pub fn typed(&mut self, line: String) {
        self.line = line;
        self.browsing = None;
        self.choices.clear();
    }

    /// ↑: the previous statement; false at the oldest (nothing changes).
    pub fn older(&mut self, history: &[String]) -> bool {
        let at = match self.browsing {
            Some(0) => return false,
            Some(i) => i - 1,
            None if history.is_empty() => return false,
            None => {
                self.stash = std::mem::take(&mut self.line);
                history.len() - 1
            }
        };
        self.show(history, at);
        true
    }

    /// ↓: the next statement, then the line being typed before ↑; false when not browsing.
    pub fn newer(&mut self, history: &[String]) -> bool {
        let Some(i) = self.browsing else {
            return false;
        };
        if i + 1 < history.len() {
            self.show(history, i + 1);
        } else {
            self.browsing = None;
            self.line = std::mem::take(&mut self.stash);
        }
        self.choices.clear();
        true
    }

    fn show(&mut self, history: &[String], at: usize) {
        self.browsing = Some(at);
        self.line = history[at].clone();
        self.choices.clear();
    }

    /// Enter: the statement to send (trimmed), and a fresh line; none for a blank line.
    pub fn take(&mut self) -> Option<String> {
        let sql = self.line.trim().to_string();
        *self = Prompt::default();
        (!sql.is_empty()).then_some(sql)
    }
}

/// The console's props: all comparable, so the side panel's rebuilds skip it when nothing
/// it shows changed.
#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    pub node: AttrValue,
    pub entries: Rc<Vec<Shown>>,
    /// Statements before the first one shown.
    pub earlier: usize,
    pub history: Rc<Vec<String>>,
    pub node_names: Rc<Vec<String>>,
    /// The run is paused: a waiting write says it completes when the run plays.
    pub paused: bool,
    pub on_send: Callback<String>,
}

/// The heading over the console, with the button that widens the side panel for it.
fn heading(wide: bool, link: &Scope<App>) -> Html {
    let (label, title) = if wide {
        ("Narrower", "give the playground its width back")
    } else {
        (
            "Wider",
            "widen the side panel so tables and \\G listings fit",
        )
    };
    html! {
        <div class="console-heading">
            <h3>{ "MySQL console" }</h3>
            <button type="button" class="console-widen" aria-pressed={wide.to_string()} {title} onclick={link.callback(|_| Msg::ConsoleWide)}>{ label }</button>
        </div>
    }
}

pub enum ConsoleMsg {
    Typed(String),
    /// A key the input handles itself (Enter, ↑, ↓, Tab, Escape), with the caret position.
    Key(String, u32),
}

/// The console of one node: its transcript and its input line.
#[derive(Default)]
pub struct Console {
    prompt: Prompt,
    input: NodeRef,
    output: NodeRef,
    /// Where to put the caret after the next render (after ↑/↓ or a completion).
    caret: Option<u32>,
    /// The transcript grew: scroll it to its newest line after the next render.
    follow: bool,
}

impl Component for Console {
    type Message = ConsoleMsg;
    type Properties = ConsoleProps;

    fn create(_: &Context<Self>) -> Self {
        Console {
            follow: true,
            ..Console::default()
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: ConsoleMsg) -> bool {
        match msg {
            ConsoleMsg::Typed(line) => {
                self.prompt.typed(line);
                true
            }
            ConsoleMsg::Key(key, caret) => self.on_key(ctx, &key, caret),
        }
    }

    fn changed(&mut self, ctx: &Context<Self>, old: &ConsoleProps) -> bool {
        let new = ctx.props();
        self.follow |= new.entries != old.entries;
        if new.node != old.node {
            self.prompt = Prompt::default();
        }
        true
    }

    fn rendered(&mut self, _: &Context<Self>, _: bool) {
        if let Some(caret) = self.caret.take()
            && let Some(input) = self.input.cast::<HtmlInputElement>()
        {
            let _ = input.set_selection_range(caret, caret);
        }
        if std::mem::take(&mut self.follow)
            && let Some(out) = self.output.cast::<web_sys::Element>()
        {
            out.set_scroll_top(out.scroll_height());
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let p = ctx.props();
        let prompt = prompt(&p.node);
        let entries = p.entries.iter().map(|e| view_entry(&prompt, e, p.paused));
        let link = ctx.link();
        let oninput = link.callback(|e: InputEvent| {
            ConsoleMsg::Typed(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let onkeydown = link.batch_callback(on_keydown);
        let label = format!("SQL console of {}", p.node);
        html! {
            <div class="console">
                <div class="console-output" ref={self.output.clone()} role="log" aria-live="polite" aria-label={label.clone()} tabindex="0">
                    // One child in a column-reverse box: the view stays on the newest line
                    // when the box shrinks (an on-screen keyboard opening).
                    <div class="console-lines">
                    if p.earlier > 0 {
                        <p class="console-earlier">{ format!("({} earlier statements not shown)", p.earlier) }</p>
                    }
                    if p.entries.is_empty() {
                        <p class="console-hello">{ format!("Connected to {} as root. Type a statement and press Enter: SHOW REPLICA STATUS\\G or SELECT COUNT(*) FROM kv; (Tab completes, ↑/↓ recall, Esc leaves.)", p.node) }</p>
                    }
                    { for entries }
                    </div>
                </div>
                if !self.prompt.choices.is_empty() {
                    <ul class="console-choices" aria-label="completions">
                        { for self.prompt.choices.iter().take(CHOICES_MAX).map(|c| html! { <li>{ c.clone() }</li> }) }
                    </ul>
                }
                <label class="console-input">
                    <span class="console-prompt" aria-hidden="true">{ prompt }</span>
                    <input ref={self.input.clone()} type="text" aria-label={label} value={self.prompt.line.clone()}
                        {oninput} {onkeydown} enterkeyhint="send" autocomplete="off" autocapitalize="off"
                        autocorrect="off" spellcheck="false" />
                </label>
            </div>
        }
    }
}

/// The keys the input line handles itself; every other key types as usual.
fn on_keydown(e: KeyboardEvent) -> Option<ConsoleMsg> {
    let key = e.key();
    if !matches!(
        key.as_str(),
        "Enter" | "ArrowUp" | "ArrowDown" | "Tab" | "Escape"
    ) || e.shift_key()
        || e.ctrl_key()
        || e.alt_key()
        || e.meta_key()
        || e.is_composing()
    {
        return None;
    }
    let input = e.target_unchecked_into::<HtmlInputElement>();
    // Tab on an empty line moves focus on as usual, so the keyboard is never trapped.
    if key == "Tab" && input.value().trim().is_empty() {
        return None;
    }
    e.prevent_default();
    let caret = input.selection_start().ok().flatten().unwrap_or(0);
    if key == "Escape" {
        let _ = input.blur();
    }
    Some(ConsoleMsg::Key(key, caret))
}

impl Console {
    fn on_key(&mut self, ctx: &Context<Self>, key: &str, caret: u32) -> bool {
        let p = ctx.props();
        let moved = match key {
            "Enter" => {
                if let Some(sql) = self.prompt.take() {
                    p.on_send.emit(sql);
                    self.follow = true;
                }
                true
            }
            "ArrowUp" => self.prompt.older(&p.history),
            "ArrowDown" => self.prompt.newer(&p.history),
            "Tab" => self.complete(&p.node_names, caret),
            "Escape" => !std::mem::take(&mut self.prompt.choices).is_empty(),
            _ => false,
        };
        if moved && key.starts_with("Arrow") {
            self.caret = Some(self.prompt.line.encode_utf16().count() as u32);
        }
        moved
    }

    fn complete(&mut self, node_names: &[String], caret: u32) -> bool {
        let names: Vec<&str> = node_names.iter().map(String::as_str).collect();
        let caret = byte_offset(&self.prompt.line, caret);
        match complete_line(&self.prompt.line, caret, &names) {
            Some(done) => {
                self.caret = Some(done.caret_utf16);
                self.prompt.line = done.line;
                self.prompt.choices = done.choices;
                true
            }
            None => false,
        }
    }
}

/// The byte offset in `line` of the caret the browser gives in UTF-16 units.
fn byte_offset(line: &str, caret_utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= caret_utf16 {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    line.len()
}

/// A completion made at the caret: the new line, the caret after it (UTF-16 units, as the
/// browser counts), and the choices to list when several fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Completed {
    pub line: String,
    pub caret_utf16: u32,
    pub choices: Vec<String>,
}

/// Tab at byte `caret` of `line`: `sql::complete` gives each choice as the new text before
/// the caret. One choice is taken whole (a space after a word that ends the line); several extend
/// the line as far as they agree and are listed from the word being typed on; none when
/// nothing fits.
pub fn complete_line(line: &str, caret: usize, node_names: &[&str]) -> Option<Completed> {
    let mut caret = caret.min(line.len());
    while !line.is_char_boundary(caret) {
        caret -= 1;
    }
    let (head, rest) = line.split_at(caret);
    let choices = crate::engine::sql::complete(line, caret, node_names);
    let mut new_head = match choices.as_slice() {
        [] => return None,
        [one] => one.clone(),
        several => common_prefix(several),
    };
    let whole_word = new_head.ends_with(|c: char| c.is_alphanumeric() || c == '_');
    if choices.len() == 1 && whole_word && rest.is_empty() {
        new_head.push(' ');
    }
    if new_head.len() < head.len() {
        new_head = head.to_string();
    }
    // The choices as a list, from the word being typed on (not the whole line each time).
    let word_at = head
        .rfind(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ';' | '='))
        .map_or(0, |i| {
            i + head[i..].chars().next().map_or(1, char::len_utf8)
        });
    let choices = if choices.len() > 1 {
        choices
            .iter()
            .map(|c| c.get(word_at..).unwrap_or(c).to_string())
            .collect()
    } else {
        Vec::new()
    };
    Some(Completed {
        caret_utf16: new_head.encode_utf16().count() as u32,
        line: format!("{new_head}{rest}"),
        choices,
    })
}

/// The longest start every choice shares, compared without case (SQL words are
/// case-blind); spelled as the first choice spells it.
fn common_prefix(choices: &[String]) -> String {
    let Some(first) = choices.first() else {
        return String::new();
    };
    let mut end = first.len();
    for c in &choices[1..] {
        end = first
            .char_indices()
            .zip(c.chars())
            .find(|((_, a), b)| !a.eq_ignore_ascii_case(b))
            .map_or(end.min(c.len()), |((i, _), _)| i)
            .min(end);
    }
    first[..end].to_string()
}

/// The statement as it was typed: the transcript keeps its text without the terminator,
/// and a `\\G` listing (rows as `*** 1. row ***`) was asked for with `\\G`.
fn echo(e: &Shown) -> std::borrow::Cow<'_, str> {
    let vertical = matches!(&e.reply, ShownReply::Text(t) if t.starts_with("*****"));
    let typed = e.sql.trim_end();
    if vertical && !(typed.ends_with("\\G") || typed.ends_with("\\g")) {
        format!("{typed}\\G").into()
    } else {
        e.sql.as_str().into()
    }
}

fn view_entry(prompt: &str, e: &Shown, paused: bool) -> Html {
    let reply = match &e.reply {
        // Tables and `\G` listings keep their columns (they scroll sideways); a `Query OK`
        // line wraps like prose.
        ShownReply::Text(text) if text.starts_with(['+', '*']) => {
            html! { <pre class="console-reply console-table">{ text.clone() }</pre> }
        }
        ShownReply::Text(text) => html! { <pre class="console-reply">{ text.clone() }</pre> },
        ShownReply::Error(text) => {
            html! { <pre class="console-reply console-error">{ text.clone() }</pre> }
        }
        ShownReply::Waiting => {
            let note = if paused {
                "waiting to commit… the write completes when the run plays (press Play)"
            } else {
                "waiting to commit…"
            };
            html! { <p class="console-reply console-waiting">{ note }</p> }
        }
    };
    html! {
        <div class="console-entry">
            <div class="console-sent">
                <pre class="console-sql">{ format!("{prompt}{}", echo(e)) }</pre>
                <span class="t" title="simulated time it ran">{ fmt_secs(e.at) }</span>
            </div>
            { reply }
        </div>
    }
}

/// The console of `node` in the inspector: its transcript from `world`, its history from
/// the page; a statement typed goes to the app as [`Msg::ConsoleSend`].
pub fn view(
    world: &World,
    node: &str,
    consoles: &Consoles,
    paused: bool,
    link: &Scope<App>,
) -> Html {
    let history = consoles.history(node);
    let (entries, earlier) = transcript(world, node);
    let name = node.to_string();
    let on_send = link.callback(move |sql| Msg::ConsoleSend {
        node: name.clone(),
        sql,
    });
    html! {
        <>
            { heading(consoles.wide, link) }
            <Console key={node.to_string()} node={AttrValue::from(node.to_string())} entries={Rc::new(entries)} {earlier} {history}
                node_names={Rc::new(super::timeline::node_names(world))} {paused} {on_send} />
            if paused {
                <p class="hint console-hint">{ format!("Paused at {}: a statement runs at this instant; a write that waits for replicas completes when the run plays.", fmt_secs(world.now())) }</p>
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn up_and_down_walk_the_history_and_give_back_the_line_being_typed() {
        let history = lines(&["SHOW REPLICA STATUS\\G", "STOP REPLICA IO_THREAD"]);
        let mut p = Prompt::default();
        p.typed("SELECT".into());
        assert!(p.older(&history));
        assert_eq!(p.line, "STOP REPLICA IO_THREAD");
        assert!(p.older(&history));
        assert_eq!(p.line, "SHOW REPLICA STATUS\\G");
        assert!(!p.older(&history), "the oldest stays");
        assert_eq!(p.line, "SHOW REPLICA STATUS\\G");
        assert!(p.newer(&history));
        assert!(p.newer(&history));
        assert_eq!(p.line, "SELECT", "the line typed before ↑ comes back");
        assert!(!p.newer(&history), "not browsing: ↓ does nothing");
        assert!(!Prompt::default().older(&[]), "no history");
    }

    #[test]
    fn editing_a_recalled_line_starts_a_new_one() {
        let history = lines(&["a", "b"]);
        let mut p = Prompt::default();
        p.older(&history);
        p.typed("b;".into());
        assert!(p.older(&history));
        assert_eq!(p.line, "b", "↑ starts again from the newest");
        assert!(p.newer(&history));
        assert_eq!(p.line, "b;");
    }

    #[test]
    fn enter_takes_the_trimmed_statement_and_clears_the_line() {
        let mut p = Prompt::default();
        p.typed("  SELECT 1;  ".into());
        p.choices = lines(&["x"]);
        assert_eq!(p.take().as_deref(), Some("SELECT 1;"));
        assert_eq!(p, Prompt::default());
        p.typed("   ".into());
        assert_eq!(p.take(), None, "a blank line sends nothing");
    }

    #[test]
    fn history_is_per_node_drops_repeats_and_is_bounded() {
        let mut h = Consoles::default();
        h.push("db2", "SHOW REPLICAS");
        h.push("db2", "SHOW REPLICAS");
        h.push("db1", "SELECT 1");
        assert_eq!(*h.history("db2"), lines(&["SHOW REPLICAS"]));
        assert_eq!(*h.history("db1"), lines(&["SELECT 1"]));
        assert!(h.history("db9").is_empty());
        for i in 0..HISTORY_MAX + 5 {
            h.push("db3", &format!("SELECT {i}"));
        }
        let kept = h.history("db3");
        assert_eq!(kept.len(), HISTORY_MAX);
        assert_eq!(kept[0], "SELECT 5", "the oldest go first");
    }

    #[test]
    fn the_common_start_of_choices_ignores_case() {
        assert_eq!(common_prefix(&lines(&["REPLICA", "REPLICAS"])), "REPLICA");
        assert_eq!(common_prefix(&lines(&["db1", "db2"])), "db");
        assert_eq!(common_prefix(&lines(&["STOP", "START"])), "ST");
        assert_eq!(common_prefix(&lines(&["Show", "SHOWN"])), "Show");
        assert_eq!(common_prefix(&lines(&["é1", "é2"])), "é");
        assert_eq!(common_prefix(&[]), "");
    }

    #[test]
    fn the_browsers_caret_in_utf16_units_becomes_a_byte_offset() {
        assert_eq!(byte_offset("SELECT", 3), 3);
        assert_eq!(byte_offset("é;x", 1), 2);
        assert_eq!(byte_offset("😀x", 2), 4);
        assert_eq!(byte_offset("ab", 99), 2, "past the end: the end");
    }

    #[test]
    fn tab_takes_the_one_completion_or_extends_to_what_several_share() {
        let nodes = ["db1", "db2", "db3"];
        let done = complete_line("RESET B", 7, &nodes).unwrap();
        assert_eq!(done.line, "RESET BINARY LOGS AND GTIDS ");
        assert_eq!(done.caret_utf16, 28);
        assert!(done.choices.is_empty());
        let several = complete_line("SHOW REP", 8, &nodes).unwrap();
        assert_eq!(several.line, "SHOW REPLICA");
        assert_eq!(several.caret_utf16, 12);
        assert_eq!(several.choices, ["REPLICA STATUS", "REPLICAS"]);
        let hosts = complete_line("CHANGE REPLICATION SOURCE TO SOURCE_HOST=", 41, &nodes).unwrap();
        assert_eq!(hosts.line, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db");
        assert_eq!(hosts.choices, ["'db1'", "'db2'", "'db3'"]);
        assert_eq!(complete_line("SHOW NOTHING", 12, &nodes), None);
    }

    #[test]
    fn tab_in_the_middle_keeps_the_rest_of_the_line() {
        let done = complete_line("SHUT; BEGIN", 4, &[]).unwrap();
        assert_eq!(done.line, "SHUTDOWN; BEGIN");
        assert_eq!(done.caret_utf16, 8);
        let lower = complete_line("stop replica i", 14, &[]).unwrap();
        assert_eq!(lower.line, "stop replica io_thread ");
        // A caret inside a character, or past the end, is moved to a boundary.
        assert!(complete_line("SELECT 'é' @@gtid_e", 9, &[]).is_none());
        assert_eq!(
            complete_line("SELECT @@gtid_e", 99, &[]).unwrap().line,
            "SELECT @@gtid_executed "
        );
    }

    #[test]
    fn a_vertical_listing_echoes_the_backslash_g_it_was_asked_with() {
        let shown = |sql: &str, reply: ShownReply| Shown {
            at: Instant::ZERO,
            sql: sql.into(),
            reply,
        };
        let rows = ShownReply::Text("*************************** 1. row ***\n".into());
        let table = ShownReply::Text("+----+\n".into());
        assert_eq!(
            echo(&shown("SHOW REPLICAS", rows.clone())),
            "SHOW REPLICAS\\G"
        );
        assert_eq!(echo(&shown("SHOW REPLICAS\\G", rows)), "SHOW REPLICAS\\G");
        assert_eq!(echo(&shown("SHOW REPLICAS", table)), "SHOW REPLICAS");
        assert_eq!(echo(&shown("INSERT", ShownReply::Waiting)), "INSERT");
    }

    #[test]
    fn the_prompt_names_the_node_and_the_schema() {
        assert_eq!(prompt("db2"), "db2 [playground]> ");
    }
}
