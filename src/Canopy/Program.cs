using Canopy.Billing;
using Canopy.Cnaught;
using Canopy.Data;
using Canopy.Fulfilment;
using Canopy.Operator;
using Canopy.Payments;
using Canopy.Web;
using Canopy.Wren;

var builder = WebApplication.CreateBuilder(args);

builder.AddCanopyPlatform();                                   // logging, problem details, JSON, OpenAPI, health
builder.Services.AddCanopyData(builder.Configuration);         // EF Core on SQLite or PostgreSQL
builder.Services.AddCanopyCore(builder.Configuration);                              // tokens, catalogue cache, ledger, ordering, outbox, start-up tasks
builder.Services.AddCanopyPayments(builder.Configuration);     // card processor (simulated until Stripe lands)
builder.Services.AddCanopyFulfilment(builder.Configuration);   // retirements, waiting orders, signed callbacks
builder.Services.AddCanopyBilling(builder.Configuration);      // month-end invoices and partner payouts
builder.Services.AddCnaught();                                 // the CNaught order shape of callbacks

var app = builder.Build();

app.UseCanopyPlatform();
app.MapOperations();                                           // /openapi/v1.json, /docs, /health/*
app.MapWren();                                                 // Wren dialect under /api
app.MapCnaught();                                              // CNaught dialect under /v1
app.MapOperator();                                             // operator API under /admin

app.Run();
