//! The links in campaign messages, answered without signing in: the signed
//! token (`mail::token`) is the authority, so these paths are exempt from
//! the sign-in gate and, for the one-click unsubscribe a mail provider
//! POSTs (no cookie, no `Origin`), from the origin check.
//!
//! - `GET /unsubscribe/{token}`: asks; `POST` unsubscribes (RFC 8058's
//!   `List-Unsubscribe=One-Click` body is answered 200 in plain text, a
//!   browser's form gets the page);
//! - `GET /m/o/{token}`: the open pixel;
//! - `GET /m/c/{token}`: a tracked link, redirected only to the address the
//!   token signed (a link of that message);
//! - `POST /m/feedback`: a spam complaint, the raw feedback-loop report
//!   (RFC 5965) a mail server pipes on (`mail::feedback`): the signed
//!   unsubscribe link of the original inside names the message. Like the
//!   one-click unsubscribe it has no cookie and no `Origin`.

use app::{ServerPage, pages::unsubscribe::UnsubscribeStage, state::AppState};
use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use db::campaigns::engagement::{self, Kind};
use mail::{Claims, Purpose};

/// Paths these handlers answer (the gate and the origin check skip them).
pub const PUBLIC_PREFIXES: &[&str] = &["/unsubscribe/", "/m/"];

fn claims(state: &AppState, token: &str) -> Option<Claims> {
    state.mail.as_ref()?.signer.verify(token)
}

async fn page(
    state: &AppState,
    request: Request,
    token: String,
    stage: UnsubscribeStage,
) -> Response {
    let (store, email) = match claims(state, &token) {
        Some(c) => match (
            db::stores::get_store(&state.db, c.store_id).await,
            engagement::message(&state.db, c.store_id, c.message_id).await,
        ) {
            (Ok(store), Ok(message)) => (store.name, message.email),
            _ => (String::new(), String::new()),
        },
        None => (String::new(), String::new()),
    };
    let stage = if store.is_empty() {
        UnsubscribeStage::Invalid
    } else {
        stage
    };
    let (parts, _) = request.into_parts();
    crate::server_page::render(
        state,
        parts,
        ServerPage::Unsubscribe {
            token,
            store,
            email,
            stage,
        },
    )
    .await
}

pub async fn unsubscribe_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    page(&state, request, token, UnsubscribeStage::Ask).await
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let one_click = body.as_ref() == b"List-Unsubscribe=One-Click";
    let Some(
        c @ Claims {
            purpose: Purpose::Unsubscribe,
            ..
        },
    ) = claims(&state, &token)
    else {
        return (StatusCode::NOT_FOUND, "unknown unsubscribe link").into_response();
    };
    if let Err(error) =
        engagement::unsubscribe(&state.db, c.store_id, c.message_id, db::time::now_ms()).await
    {
        tracing::warn!(%error, "unsubscribe failed");
        return match error {
            db::Error::NotFound(_) => {
                (StatusCode::NOT_FOUND, "unknown unsubscribe link").into_response()
            }
            _ => (StatusCode::SERVICE_UNAVAILABLE, "please try again").into_response(),
        };
    }
    if one_click {
        return (StatusCode::OK, "unsubscribed").into_response();
    }
    let request = Request::from_parts(parts, axum::body::Body::empty());
    page(&state, request, token, UnsubscribeStage::Done).await
}

/// The largest report read: the original message with its headers.
const REPORT_LIMIT: usize = 2 * 1024 * 1024;

pub async fn feedback(State(state): State<AppState>, request: Request) -> Response {
    let Some(setup) = state.mail.as_ref() else {
        return (StatusCode::NOT_FOUND, "this server sends no mail").into_response();
    };
    let Ok(body) = axum::body::to_bytes(request.into_body(), REPORT_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "report over 2 MB").into_response();
    };
    let report = String::from_utf8_lossy(&body);
    let (claims, feedback_type) = match mail::feedback::read(&report, &setup.signer) {
        Ok(mail::feedback::Feedback::Complaint {
            claims,
            feedback_type,
        }) => (claims, feedback_type),
        Ok(mail::feedback::Feedback::NotSpam) => {
            return (
                StatusCode::OK,
                "not a complaint (not-spam): nothing recorded",
            )
                .into_response();
        }
        Err(error) => return (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()).into_response(),
    };
    let detail = format!("feedback report: {feedback_type}");
    match engagement::complain(
        &state.db,
        claims.store_id,
        claims.message_id,
        &detail,
        db::time::now_ms(),
    )
    .await
    {
        Ok(()) => (StatusCode::OK, "complaint recorded").into_response(),
        Err(db::Error::NotFound(_)) => {
            (StatusCode::NOT_FOUND, "the reported message is gone").into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "recording a complaint failed");
            (StatusCode::SERVICE_UNAVAILABLE, "please try again").into_response()
        }
    }
}

/// A transparent 1×1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

pub async fn open(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    if let Some(
        c @ Claims {
            purpose: Purpose::Open,
            ..
        },
    ) = claims(&state, &token)
    {
        let at = db::time::now_ms();
        if let Err(error) =
            engagement::record(&state.db, c.store_id, c.message_id, Kind::Open, None, at).await
        {
            tracing::debug!(%error, "open not recorded");
        }
    }
    (
        [
            (header::CONTENT_TYPE, "image/gif"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Bytes::from_static(PIXEL),
    )
        .into_response()
}

pub async fn click(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(Claims {
        store_id,
        message_id,
        purpose: Purpose::Click(url),
    }) = claims(&state, &token)
    else {
        return (StatusCode::NOT_FOUND, "unknown link").into_response();
    };
    let at = db::time::now_ms();
    if let Err(error) =
        engagement::record(&state.db, store_id, message_id, Kind::Click, Some(&url), at).await
    {
        tracing::debug!(%error, "click not recorded");
    }
    (StatusCode::FOUND, [(header::LOCATION, url)]).into_response()
}
