using Canopy.Accounts;
using Canopy.Platform;

namespace Canopy.Operator;

/// <summary>Requires <c>Authorization: Bearer ADMIN_KEY</c> on the operator API; 401 problem details otherwise.</summary>
internal sealed class AdminAuthFilter(AdminKey key) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var secret = BearerToken.Read(context.HttpContext.Request, allowBasic: false);
        if (string.IsNullOrEmpty(secret) || !key.Matches(secret))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(statusCode: 401, title: "Unauthorized",
                detail: "Send the operator key as 'Authorization: Bearer ADMIN_KEY'.");
        }
        return await next(context);
    }
}
