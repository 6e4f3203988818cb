using Canopy.Accounts;
using Canopy.Audit;
using Canopy.Billing;
using Canopy.Catalog;
using Canopy.Checkout;
using Canopy.Cnaught;
using Canopy.Data;
using Canopy.Fulfilment;
using Canopy.Idempotency;
using Canopy.Impact;
using Canopy.Ledger;
using Canopy.Notifications;
using Canopy.Operator;
using Canopy.Ordering;
using Canopy.Outbox;
using Canopy.Pages;
using Canopy.Payments;
using Canopy.Payments.Webhooks;
using Canopy.Kernel;
using Canopy.Platform;
using Canopy.Wren;

// `migrate`: apply migrations (and the demo seed unless Canopy:SeedDemo=false), then exit without serving.
var migrateOnly = args is ["migrate", ..];
var builder = WebApplication.CreateBuilder(migrateOnly ? args[1..] : args);

builder.AddCanopyPlatform();                                   // logging, problem details, JSON, OpenAPI, health
builder.Services.AddCanopyData(builder.Configuration);         // EF Core on SQLite or PostgreSQL
builder.Services.AddCanopyAccounts();                          // tokens, account contexts, the operator key
builder.Services.AddCanopyCatalog();                           // the catalogue snapshot
builder.Services.AddCanopyLedger();                            // ledger accounts and postings
builder.Services.AddCanopyIdempotency();                       // idempotency claims and stored answers
builder.Services.AddCanopyOutbox(builder.Configuration);       // work after a commit: leases, retries, delivery log
builder.Services.AddCanopyPayments(builder.Configuration);     // card processor (simulated or Stripe), intents, reconciler, FX
builder.Services.AddCanopyOrdering(builder.Configuration);     // the one order pipeline, cancellation, refunds and disputes
builder.Services.AddCanopyCheckout(builder.Configuration);     // hosted checkout sessions (Stripe Checkout)
builder.Services.AddCanopyImpact(builder.Configuration);       // impact figures and the public feed
builder.Services.AddCanopyAudit();                             // the ledger check and database gauges
builder.Services.AddCanopyEmail(builder.Configuration);        // receipt emails over SMTP (or .eml files)
builder.Services.AddWrenDialect();                             // Wren's error shapes for cross-cutting errors
builder.Services.AddCnaughtDialect();                          // CNaught's error shapes, and the CNaught order shape of callbacks
builder.Services.AddPages();                                   // the public pages' HTML error page for cross-cutting errors
builder.Services.AddOperatorApi();                             // the operator API's problem details for cross-cutting errors
builder.Services.AddCanopyFulfilment(builder.Configuration);   // retirements, waiting orders, signed callbacks
builder.Services.AddCanopyBilling(builder.Configuration);      // month-end invoices and partner payouts

var app = builder.Build();
if (migrateOnly)
{
    await StartupTasks.RunOnceAsync(app.Services);
    return;
}

app.UseCanopyPlatform();
app.MapOperations();                                           // /openapi/v1.json, /docs, /health/*
app.MapCanopyMetrics();                                        // /metrics (Prometheus)
app.MapWren();                                                 // Wren dialect under /api
app.MapCnaught();                                              // CNaught dialect under /v1
app.MapOperator();                                             // operator API under /admin
app.MapPages();                                                // public pages: /, /feed, /certificates/*, /impact/*
app.MapStripeWebhooks();                                       // Stripe's events under /webhooks/stripe

app.Run();
