using Canopy.Accounts;
using Canopy.Platform;

namespace Canopy.Cnaught;

/// <summary>CNaught authentication: <c>Authorization: Bearer KEY</c>; anything else is 401 "Unauthorized".</summary>
internal sealed class CnaughtAuthFilter(TokenStore tokens) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var secret = BearerToken.Read(http.Request, allowBasic: false);
        var info = secret is null or { Length: 0 or > 200 } ? null : await tokens.FindAsync(secret, http.RequestAborted);
        if (info is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return CnaughtProblems.Unauthorized();
        }
        if (info.Kind == TokenKind.Personal && !info.UserHasLogin)
            return CnaughtProblems.Forbidden("Forbidden", "This personal token belongs to a user without a login.");
        http.Features.Set(new Caller(info.AccountId, info.TokenId, info.Mode, info.Kind, info.UserId));
        return await next(context);
    }
}
