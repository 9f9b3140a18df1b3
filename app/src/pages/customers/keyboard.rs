//! Keyboard: `/` focuses the search, ArrowDown/ArrowUp move between rows,
//! Enter (a row is a button) expands or collapses it, Escape collapses the
//! row the focus is in.

/// Installs the window listener for the page's lifetime (browser only).
pub fn install() {
    #[cfg(not(feature = "ssr"))]
    use leptos::prelude::*;
    #[cfg(not(feature = "ssr"))]
    {
        use wasm_bindgen::JsCast;

        let handle = window_event_listener(leptos::ev::keydown, |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let document = document();
            let active = document.active_element();
            let typing = active.as_ref().is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            });
            let key = ev.key();
            match key.as_str() {
                "/" if !typing => {
                    if let Some(search) = document
                        .get_element_by_id("customer-search")
                        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        ev.prevent_default();
                        let _ = search.focus();
                    }
                }
                "ArrowDown" | "ArrowUp" => {
                    let in_search = active
                        .as_ref()
                        .is_some_and(|el| el.id() == "customer-search");
                    if typing && !in_search {
                        return;
                    }
                    let Ok(rows) = document.query_selector_all(".customer-row") else {
                        return;
                    };
                    let count = rows.length();
                    if count == 0 {
                        return;
                    }
                    let current = (0..count).find(|i| {
                        rows.item(*i)
                            .zip(active.clone())
                            .is_some_and(|(row, active)| row == active.into())
                    });
                    let next = match (key.as_str(), current) {
                        ("ArrowDown", None) => 0,
                        ("ArrowDown", Some(i)) => (i + 1).min(count - 1),
                        (_, Some(0) | None) => {
                            if let Some(search) = document
                                .get_element_by_id("customer-search")
                                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
                            {
                                ev.prevent_default();
                                let _ = search.focus();
                            }
                            return;
                        }
                        (_, Some(i)) => i - 1,
                    };
                    if let Some(row) = rows
                        .item(next)
                        .and_then(|row| row.dyn_into::<web_sys::HtmlElement>().ok())
                    {
                        ev.prevent_default();
                        let _ = row.focus();
                    }
                }
                // Escape inside an expanded row collapses it and puts the
                // focus back on its row.
                "Escape" => {
                    let Some(row) = active
                        .and_then(|el| el.closest(".customer.expanded").ok().flatten())
                        .and_then(|item| item.query_selector(".customer-row").ok().flatten())
                        .and_then(|row| row.dyn_into::<web_sys::HtmlElement>().ok())
                    else {
                        return;
                    };
                    ev.prevent_default();
                    row.click();
                    let _ = row.focus();
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }
}
