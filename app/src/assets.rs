//! The names of the built site's files. Release builds hash them
//! (cargo-leptos `hash-files`): `pkg/customers.<hash>.css` and so on, with
//! the hashes in `hash.txt` beside the server binary. Read once at start-up;
//! every page and hand-made document links through these names, so a new
//! build is never served with an old, cached stylesheet or WASM.

use leptos::config::LeptosOptions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetNames {
    /// `/pkg/customers.<hash>.css` (or `/pkg/customers.css` unhashed).
    pub css: String,
    pub js: String,
    pub wasm: String,
}

impl AssetNames {
    /// The names for `options`: hashed when `options.hash_files` is set and
    /// the hash file beside the running binary lists them.
    pub fn from_options(options: &LeptosOptions) -> AssetNames {
        let hashes = if options.hash_files {
            let path = std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())))
                .unwrap_or_default();
            match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) => {
                    tracing::error!(path = %path.display(), %error, "file hashing is on but the hash file cannot be read");
                    String::new()
                }
            }
        } else {
            String::new()
        };
        Self::from_hash_file(
            options.site_pkg_dir.as_ref(),
            options.output_name.as_ref(),
            &hashes,
        )
    }

    /// The names given the hash file's text (`js: <hash>` lines; empty: unhashed).
    pub fn from_hash_file(pkg_dir: &str, output_name: &str, hashes: &str) -> AssetNames {
        let name = |extension: &str| {
            let hash = hashes.lines().find_map(|line| {
                let (file, hash) = line.split_once(':')?;
                (file.trim() == extension).then(|| hash.trim())
            });
            match hash {
                Some(hash) if !hash.is_empty() => {
                    format!("/{pkg_dir}/{output_name}.{hash}.{extension}")
                }
                _ => format!("/{pkg_dir}/{output_name}.{extension}"),
            }
        };
        AssetNames {
            css: name("css"),
            js: name("js"),
            wasm: name("wasm"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AssetNames;

    #[test]
    fn hashed_names_come_from_the_hash_file() {
        let names =
            AssetNames::from_hash_file("pkg", "customers", "js: abc\nwasm: def\ncss: ghi\n");
        assert_eq!(names.css, "/pkg/customers.ghi.css");
        assert_eq!(names.js, "/pkg/customers.abc.js");
        assert_eq!(names.wasm, "/pkg/customers.def.wasm");
        let plain = AssetNames::from_hash_file("pkg", "customers", "");
        assert_eq!(plain.css, "/pkg/customers.css");
    }
}
