//! Yew components: they render engine state and send it commands.
