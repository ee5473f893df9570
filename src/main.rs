//! The wasm entry point: installs the panic overlay and mounts the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    use replication_playground::ui;
    ui::panic::install();
    let wants_panic_test = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .is_some_and(|h| h == "#panic-test");
    yew::Renderer::<ui::App>::new().render();
    if wants_panic_test {
        // Documented test hook: proves the overlay appears instead of a blank page.
        panic!("panic test requested by the #panic-test URL fragment");
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!(
        "This is the browser app: build and serve it with `make serve`. The native runner is `rplay`."
    );
}
