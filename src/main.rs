//! The wasm entry point: installs the panic overlay and mounts the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    use replication_playground::ui;
    ui::panic::install();
    let hash = web_sys::window().and_then(|w| w.location().hash().ok());
    yew::Renderer::<ui::App>::new().render();
    // The static loading indicator of index.html has done its job once the app is mounted.
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    match hash.as_deref() {
        // Documented test hooks: prove the overlay appears instead of a blank page, for a
        // panic and for running out of memory (a trap, not a panic), once the app runs.
        Some("#panic-test") => {
            after_start(|| panic!("panic test requested by the #panic-test URL fragment"))
        }
        Some("#oom-test") => after_start(|| ui::panic::exhaust_memory()),
        _ => {}
    }
}

/// Runs `f` half a second after start-up, from a timer, as a failure in a running app would.
#[cfg(target_arch = "wasm32")]
fn after_start(f: impl FnOnce() + 'static) {
    let _ = gloo::timers::callback::Timeout::new(500, f).forget();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "This is the browser app: build and serve it with `make serve`. The native runner is `rplay`."
    );
}
