//! [`SesMailer`]: e-mail over SES v2 `SendEmail`.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use soar_store::{Email, Mailer, Result, SentEmail, StoreError};

use crate::{AwsBackend, backend_error};

/// A [`Mailer`] over SES v2 `SendEmail` with simple content: the subject, the text body and the HTML
/// body (when there is one), all UTF-8; `to` and `cc` recipients; `from` must be a verified identity
/// (else SES answers `MessageRejected`, a non-transient [`StoreError::Backend`]).
#[derive(Clone, Debug)]
pub struct SesMailer {
    backend: AwsBackend,
    client: Client,
}

impl SesMailer {
    /// A mailer using the backend's configuration and runtime.
    pub fn new(backend: &AwsBackend) -> Self {
        SesMailer {
            backend: backend.clone(),
            client: Client::new(backend.sdk_config()),
        }
    }
}

fn utf8(data: &str) -> Result<Content> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| StoreError::invalid("e-mail", data, e.to_string()))
}

impl Mailer for SesMailer {
    fn send(&self, email: &Email) -> Result<SentEmail> {
        // The embedded outbox's rules, so both backends reject the same addresses before sending:
        // rendering the message validates every address and that there is a recipient.
        soar_store::outbox::render_eml(
            email,
            "validate@soar.local",
            time::OffsetDateTime::now_utc(),
        )?;
        let subject: String = email
            .subject
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_owned();
        let mut body = Body::builder().text(utf8(&email.text)?);
        if let Some(html) = &email.html {
            body = body.html(utf8(html)?);
        }
        let message = Message::builder()
            .subject(utf8(&subject)?)
            .body(body.build())
            .build();
        let request = self
            .client
            .send_email()
            .from_email_address(&email.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(email.to.clone()))
                    .set_cc_addresses(Some(email.cc.clone()).filter(|cc| !cc.is_empty()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build());
        let output = self
            .backend
            .run(request.send())?
            .map_err(|e| backend_error("SES", "send e-mail", &subject, e))?;
        Ok(SentEmail {
            message_id: output.message_id.unwrap_or_default(),
            location: None,
        })
    }
}
