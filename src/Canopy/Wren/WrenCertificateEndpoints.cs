using Canopy.Accounts;
using Canopy.Data;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Wren;

/// <summary>Wren's certificate route: an order group's id (the id an order answered with) leads to its public certificate page.</summary>
internal static class WrenCertificateEndpoints
{
    public static RouteGroupBuilder MapWrenCertificates(this RouteGroupBuilder authed)
    {
        authed.MapGet("/offset-orders/certificate/by-group/{id}", RedirectAsync).WithName("WrenCertificateByGroup")
            .WithSummary("Redirects (302) to the public certificate page of the caller's order group")
            .Produces(StatusCodes.Status302Found).Produces<WrenMessage>(StatusCodes.Status404NotFound);
        return authed;
    }

    private static async Task<IResult> RedirectAsync(string id, HttpContext http, CanopyDbContext db, CancellationToken ct)
    {
        var caller = http.GetCaller();
        // Test tokens store nothing, so they have no certificates; another account's order is not found either.
        var order = caller.IsTest || id.Length > 255 ? null : await db.Orders.AsNoTracking()
            .Where(o => o.AccountId == caller.AccountId && o.Mode == TokenMode.Live && (o.PaymentReference == id || o.PublicId == id))
            .Select(o => new { o.CertificateId, o.State }).FirstOrDefaultAsync(ct);
        if (order is null) return WrenResults.Message(StatusCodes.Status404NotFound, "No order group with this id.");
        if (order.State == OrderState.Cancelled)
            return WrenResults.Message(StatusCodes.Status404NotFound, "This order group was cancelled; it has no certificate.");
        return TypedResults.Redirect(PublicUrls.Base(http.Request) + PublicUrls.CertificatePath(order.CertificateId));
    }
}
