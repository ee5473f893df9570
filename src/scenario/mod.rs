//! The scenario model, presets and share links.
