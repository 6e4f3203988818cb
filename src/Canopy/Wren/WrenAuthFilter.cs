using Canopy.Accounts;
using Canopy.Platform;

namespace Canopy.Wren;

/// <summary>
/// Wren authentication: <c>Basic base64(TOKEN:)</c> or <c>Bearer TOKEN</c>. As Wren's pages say ("403 — Missing or
/// invalid authentication"), no credentials, a token that is not known (or revoked) and a personal token whose user has
/// no login ("not an account user") are all 403 <c>{"message": …}</c>. An unknown token counts as a failed
/// authentication for <see cref="AuthFailureLimits"/>.
/// </summary>
internal sealed class WrenAuthFilter(TokenStore tokens) : IEndpointFilter
{
    private const int MaxSecretLength = 200;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var secret = BearerToken.Read(http.Request, allowBasic: true);
        if (secret is null)
            return WrenResults.Message(403, "Authentication required: send your API token as Basic auth (the token as username, empty password) or as 'Authorization: Bearer TOKEN'.");
        var info = secret.Length is 0 or > MaxSecretLength ? null : await tokens.FindAsync(secret, http.RequestAborted);
        if (info is null)
        {
            AuthFailureLimits.MarkFailed(http);
            return WrenResults.Message(403, "Invalid API token.");
        }
        if (info.Kind == TokenKind.Personal && !info.UserHasLogin)
            return WrenResults.Message(403, "This personal token belongs to a user without a login: not an account user. Use a team token.");
        http.Features.Set(new Caller(info.AccountId, info.TokenId, info.Mode, info.Kind, info.UserId));
        return await next(context);
    }
}
