//! Keeping the owner's place: opening a profile from the list remembers,
//! for that list's URL, which rows were expanded and where the opened row
//! sat on the screen; coming back to the same URL (Back, or the profile's
//! "← Customers") expands them again and scrolls the row back to where it
//! was. Kept in the tab's `sessionStorage`, read once, browser only: a
//! server render (and so hydration) always shows the list from the top.

/// What is remembered for one list URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Place {
    /// The rows that were expanded.
    pub expanded: Vec<i64>,
    /// The row the profile was opened from, and its distance from the top
    /// of the window then (CSS pixels).
    pub anchor: Option<(i64, f64)>,
}

#[cfg_attr(feature = "ssr", allow(dead_code))]
impl Place {
    /// `anchor_id:top;id,id,...`
    fn encode(&self) -> String {
        let anchor = self
            .anchor
            .map(|(id, top)| format!("{id}:{top}"))
            .unwrap_or_default();
        let ids: Vec<String> = self.expanded.iter().map(i64::to_string).collect();
        format!("{anchor};{}", ids.join(","))
    }

    fn decode(text: &str) -> Option<Place> {
        let (anchor, ids) = text.split_once(';')?;
        let anchor = match anchor.split_once(':') {
            Some((id, top)) => Some((id.parse().ok()?, top.parse().ok()?)),
            None => None,
        };
        let expanded = ids
            .split(',')
            .filter(|id| !id.is_empty())
            .map(|id| id.parse().ok())
            .collect::<Option<Vec<i64>>>()?;
        Some(Place { expanded, anchor })
    }
}

#[cfg(not(feature = "ssr"))]
mod browser {
    use wasm_bindgen::JsCast;

    use super::Place;

    fn key() -> Option<String> {
        let location = leptos::prelude::window().location();
        Some(format!(
            "customers-place:{}{}",
            location.pathname().ok()?,
            location.search().ok()?
        ))
    }

    fn storage() -> Option<web_sys::Storage> {
        leptos::prelude::window().session_storage().ok().flatten()
    }

    /// Remembers the current list's place, the profile of `anchor` opening.
    pub fn save(anchor: i64) {
        let document = leptos::prelude::document();
        let mut place = Place::default();
        if let Ok(rows) = document.query_selector_all(".customer.expanded .customer-row") {
            for i in 0..rows.length() {
                let id: Option<i64> = rows
                    .item(i)
                    .and_then(|node| node.dyn_into::<web_sys::Element>().ok())
                    .and_then(|row| row.get_attribute("data-id"))
                    .and_then(|id| id.parse().ok());
                place.expanded.extend(id);
            }
        }
        place.anchor = row(anchor).map(|row| (anchor, row.get_bounding_client_rect().top()));
        if let (Some(key), Some(storage)) = (key(), storage()) {
            let _ = storage.set_item(&key, &place.encode());
        }
    }

    /// The place remembered for the current URL, forgotten as it is read.
    pub fn take() -> Option<Place> {
        let (key, storage) = (key()?, storage()?);
        let text = storage.get_item(&key).ok().flatten()?;
        let _ = storage.remove_item(&key);
        Place::decode(&text)
    }

    fn row(id: i64) -> Option<web_sys::Element> {
        leptos::prelude::document()
            .query_selector(&format!(".customer-row[data-id=\"{id}\"]"))
            .ok()
            .flatten()
    }

    /// Scrolls so the anchor row is where it was and focuses it; `false`
    /// while it is not on the page yet.
    pub fn scroll_back(anchor: (i64, f64)) -> bool {
        let Some(row) = row(anchor.0) else {
            return false;
        };
        let window = leptos::prelude::window();
        let y = window.scroll_y().unwrap_or(0.0) + row.get_bounding_client_rect().top() - anchor.1;
        window.scroll_to_with_x_and_y(0.0, y.max(0.0));
        // The focus goes back where it was too: the row the owner opened
        // (without scrolling it anywhere else).
        if let Ok(row) = row.dyn_into::<web_sys::HtmlElement>() {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = row.focus_with_options(&options);
        }
        true
    }
}

#[cfg(not(feature = "ssr"))]
pub use browser::{save, scroll_back, take};

/// On the server there is no place to keep.
#[cfg(feature = "ssr")]
pub fn save(_anchor: i64) {}

#[cfg(test)]
mod tests {
    use super::Place;

    #[test]
    fn a_place_round_trips() {
        let place = Place {
            expanded: vec![4, 17],
            anchor: Some((17, 212.5)),
        };
        assert_eq!(Place::decode(&place.encode()), Some(place));
        assert_eq!(Place::decode(";"), Some(Place::default()));
        assert_eq!(Place::decode("x"), None);
    }
}
