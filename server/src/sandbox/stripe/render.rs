//! Stripe objects as API version 2023-08-16 JSON (the version of the spec kept in
//! provider-specs): customer, deleted customer, invoice, charge, event. No card data: a charge
//! names its payment method by id only.

use serde_json::{Map, Value, json};

use super::seed;
use super::store::{Charge, Customer, Event, Invoice, InvoiceStatus, Store};
use crate::sandbox::data::rng::Rng;

pub const API_VERSION: &str = "2023-08-16";

fn opt(s: &Option<Box<str>>) -> Value {
    s.as_deref().map_or(Value::Null, |v| Value::String(v.to_owned()))
}

pub fn invoice_prefix(store: &Store, seq: u64) -> String {
    format!("{:08X}", Rng::for_record(store.seed, 21, seq).next() & 0xFFFF_FFFF)
}

pub fn customer(store: &Store, c: &Customer) -> Value {
    let metadata: Map<String, Value> =
        c.metadata.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
    json!({
        "id": store.id("cus", c.seq),
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": c.created,
        "currency": if c.invoices > 0 { json!("usd") } else { Value::Null },
        "default_source": null,
        "delinquent": false,
        "description": opt(&c.description),
        "discount": null,
        "email": opt(&c.email),
        "invoice_prefix": invoice_prefix(store, c.seq),
        "invoice_settings": {"custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null},
        "livemode": false,
        "metadata": metadata,
        "name": opt(&c.name),
        "next_invoice_sequence": c.invoices + 1,
        "phone": opt(&c.phone),
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    })
}

pub fn deleted_customer(store: &Store, seq: u64) -> Value {
    json!({"id": store.id("cus", seq), "object": "customer", "deleted": true})
}

pub fn invoice(store: &Store, i: &Invoice) -> Value {
    let id = store.id("in", i.seq);
    let c = store.customers.get(&i.customer);
    let paid = i.status == InvoiceStatus::Paid;
    let finalized = i.created + 3600;
    let (status, paid_at, voided_at, uncollectible_at) = match i.status {
        InvoiceStatus::Paid => ("paid", json!(finalized + 60), Value::Null, Value::Null),
        InvoiceStatus::Open => ("open", Value::Null, Value::Null, Value::Null),
        InvoiceStatus::Void => ("void", Value::Null, json!(finalized + 86_400), Value::Null),
        InvoiceStatus::Uncollectible => ("uncollectible", Value::Null, Value::Null, json!(finalized + 86_400)),
    };
    let amount_paid = if paid { i.amount } else { 0 };
    let remaining = if i.status == InvoiceStatus::Open { i.amount } else { 0 };
    let mut head = json!({
        "id": id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Sandbox Co",
        "account_tax_ids": null,
        "amount_due": i.amount,
        "amount_paid": amount_paid,
        "amount_remaining": remaining,
        "amount_shipping": 0,
        "application": null,
        "application_fee_amount": null,
        "attempt_count": if paid { 1 } else { 0 },
        "attempted": paid,
        "auto_advance": i.status == InvoiceStatus::Open,
        "automatic_tax": {"enabled": false, "status": null},
        "billing_reason": "manual",
        "charge": null,
        "collection_method": "charge_automatically",
        "created": i.created,
        "currency": "usd",
        "custom_fields": null,
        "customer": store.id("cus", i.customer),
        "customer_address": null,
        "customer_email": c.map_or(Value::Null, |c| opt(&c.email)),
        "customer_name": c.map_or(Value::Null, |c| opt(&c.name)),
        "customer_phone": c.map_or(Value::Null, |c| opt(&c.phone)),
        "customer_shipping": null,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discount": null,
        "discounts": [],
        "due_date": null,
        "effective_at": finalized,
        "ending_balance": 0,
    });
    let rest = json!({
        "footer": null,
        "from_invoice": null,
        "hosted_invoice_url": null,
        "invoice_pdf": null,
        "last_finalization_error": null,
        "latest_revision": null,
        "lines": {"object": "list", "data": [], "has_more": false, "url": format!("/v1/invoices/{id}/lines")},
        "livemode": false,
        "metadata": {},
        "next_payment_attempt": null,
        "number": format!("{}-{:04}", invoice_prefix(store, i.customer), i.number),
        "on_behalf_of": null,
        "paid": paid,
        "paid_out_of_band": false,
        "payment_intent": null,
        "payment_settings": {"default_mandate": null, "payment_method_options": null, "payment_method_types": null},
        "period_end": i.created,
        "period_start": i.created,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "quote": null,
        "receipt_number": null,
        "rendering_options": null,
        "shipping_cost": null,
        "shipping_details": null,
        "starting_balance": 0,
        "statement_descriptor": null,
        "status": status,
        "status_transitions": {"finalized_at": finalized, "marked_uncollectible_at": uncollectible_at, "paid_at": paid_at, "voided_at": voided_at},
        "subscription": null,
        "subtotal": i.amount,
        "subtotal_excluding_tax": i.amount,
        "tax": null,
        "test_clock": null,
        "total": i.amount,
        "total_discount_amounts": [],
        "total_excluding_tax": i.amount,
        "total_tax_amounts": [],
        "transfer_data": null,
        "webhooks_delivered_at": finalized,
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut head, rest) {
        a.extend(b);
    }
    head
}

pub fn charge(store: &Store, ch: &Charge) -> Value {
    let id = store.id("ch", ch.seq);
    let c = store.customers.get(&ch.customer);
    let (status, failure_code, failure_message, outcome) = if ch.succeeded {
        (
            "succeeded",
            Value::Null,
            Value::Null,
            json!({"network_status": "approved_by_network", "reason": null, "risk_level": "normal", "risk_score": 20, "seller_message": "Payment complete.", "type": "authorized"}),
        )
    } else {
        (
            "failed",
            json!("card_declined"),
            json!("Your card was declined."),
            json!({"network_status": "declined_by_network", "reason": "generic_decline", "risk_level": "normal", "risk_score": 35, "seller_message": "The bank did not return any further details with this decline.", "type": "issuer_declined"}),
        )
    };
    let mut head = json!({
        "id": id,
        "object": "charge",
        "amount": ch.amount,
        "amount_captured": if ch.succeeded { ch.amount } else { 0 },
        "amount_refunded": 0,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": if ch.succeeded { json!(store.id("txn", ch.seq)) } else { Value::Null },
        "billing_details": {"address": null, "email": c.map_or(Value::Null, |c| opt(&c.email)), "name": c.map_or(Value::Null, |c| opt(&c.name)), "phone": null},
        "calculated_statement_descriptor": "SANDBOX CO",
        "captured": ch.succeeded,
        "created": ch.created,
        "currency": "usd",
        "customer": store.id("cus", ch.customer),
        "description": null,
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": failure_code,
        "failure_message": failure_message,
        "fraud_details": {},
        "invoice": ch.invoice.map(|seq| store.id("in", seq)),
        "livemode": false,
    });
    let rest = json!({
        "metadata": {},
        "on_behalf_of": null,
        "outcome": outcome,
        "paid": ch.succeeded,
        "payment_intent": null,
        "payment_method": store.id("pm", ch.customer),
        "payment_method_details": null,
        "receipt_email": null,
        "receipt_number": null,
        "receipt_url": null,
        "refunded": false,
        "refunds": {"object": "list", "data": [], "has_more": false, "url": format!("/v1/charges/{id}/refunds")},
        "review": null,
        "shipping": null,
        "source_transfer": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": status,
        "transfer_data": null,
        "transfer_group": null,
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut head, rest) {
        a.extend(b);
    }
    head
}

pub fn event(store: &Store, e: &Event) -> Value {
    let object = match &e.snapshot {
        Some(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        None => {
            let k = e.customer.saturating_sub(1);
            customer(store, &seed::customer(store.seed, store.seeded_customers, k, store.anchor))
        }
    };
    let mut data = json!({"object": object});
    if let Some(p) = &e.previous {
        data["previous_attributes"] = serde_json::from_str(p).unwrap_or(Value::Null);
    }
    let request = match &e.request {
        Some((id, key)) => json!({"id": id.as_ref(), "idempotency_key": key.as_deref()}),
        None => json!({"id": null, "idempotency_key": null}),
    };
    json!({
        "id": store.id("evt", e.seq),
        "object": "event",
        "api_version": API_VERSION,
        "created": e.created,
        "data": data,
        "livemode": false,
        "pending_webhooks": 0,
        "request": request,
        "type": e.kind.name(),
    })
}
