//! Complaints: feedback-loop reports (ARF, RFC 5965) that mailbox
//! providers send when a recipient marks a message as spam. A report
//! carries the original message, or at least its headers, and so its
//! `List-Unsubscribe` header with the message's signed unsubscribe token:
//! that token, not anything else in the report, names the message, so a
//! report cannot be forged for a message it does not contain.

use crate::token::{Claims, Purpose, Signer};

/// What a report says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feedback {
    /// A complaint about this message (`abuse`, `fraud`, `virus`, `other`,
    /// or a report without a `Feedback-Type`).
    Complaint {
        claims: Claims,
        feedback_type: String,
    },
    /// The recipient took the message out of spam (`not-spam`): nothing
    /// to record.
    NotSpam,
}

/// Why a report was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("the report holds no unsubscribe link of a message this server sent")]
    NoMessage,
}

/// Reads a report (the whole email as received, or only its parts).
pub fn read(report: &str, signer: &Signer) -> Result<Feedback, FeedbackError> {
    let text = unfold(report);
    let feedback_type = text
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("Feedback-Type")
                .then(|| value.trim().to_ascii_lowercase())
        })
        .unwrap_or_else(|| "abuse".into());
    if feedback_type == "not-spam" {
        return Ok(Feedback::NotSpam);
    }
    let claims = text
        .match_indices("/unsubscribe/")
        .filter_map(|(at, found)| {
            let rest = &text[at + found.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(rest.len());
            signer.verify(&rest[..end])
        })
        .find(|claims| claims.purpose == Purpose::Unsubscribe)
        .ok_or(FeedbackError::NoMessage)?;
    Ok(Feedback::Complaint {
        claims,
        feedback_type,
    })
}

/// The report with folded header lines joined and quoted-printable's soft
/// line breaks and `=3D` undone (a provider may re-encode the original).
fn unfold(report: &str) -> String {
    report
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ")
        .replace("\n ", " ")
        .replace("\n\t", " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(feedback_type: &str, original: &str) -> String {
        format!(
            "From: fbl@isp.test\r\nMessage-ID: <r1@isp.test>\r\n\
             Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain\r\n\r\nA complaint.\r\n\
             --b\r\nContent-Type: message/feedback-report\r\n\r\n\
             Feedback-Type: {feedback_type}\r\nUser-Agent: isp/1.0\r\nVersion: 1\r\n\r\n\
             --b\r\nContent-Type: text/rfc822-headers\r\n\r\n{original}\r\n--b--\r\n"
        )
    }

    #[test]
    fn a_report_names_the_message_by_its_signed_token() {
        let signer = Signer::new(b"key");
        let claims = Claims {
            store_id: 3,
            message_id: 41,
            purpose: Purpose::Unsubscribe,
        };
        let token = signer.sign(&claims);
        // Folded, as a long header is.
        let original = format!(
            "Message-ID: <campaign-1.message-41@shop.test>\r\nList-Unsubscribe:\r\n \
             <https://shop.test/unsubscribe/{token}>\r\nSubject: Hello"
        );
        assert_eq!(
            read(&report("abuse", &original), &signer),
            Ok(Feedback::Complaint {
                claims: claims.clone(),
                feedback_type: "abuse".into()
            })
        );
        assert_eq!(
            read(&report("not-spam", &original), &signer),
            Ok(Feedback::NotSpam)
        );
        // Another key's token, an open pixel's token, or none: refused.
        let other = Signer::new(b"guess").sign(&claims);
        let pixel = signer.sign(&Claims {
            purpose: Purpose::Open,
            ..claims
        });
        for original in [
            format!("List-Unsubscribe: <https://shop.test/unsubscribe/{other}>"),
            format!("Body: https://shop.test/unsubscribe/{pixel}"),
            "Message-ID: <campaign-1.message-41@shop.test>".to_string(),
        ] {
            assert_eq!(
                read(&report("abuse", &original), &signer),
                Err(FeedbackError::NoMessage),
                "{original}"
            );
        }
    }
}
