namespace Canopy.Accounts;

/// <summary>Who is calling: resolved from the API token by the dialect's authentication handler.</summary>
public sealed record Caller(long AccountId, long TokenId, TokenMode Mode, TokenKind Kind, long? UserId)
{
    public bool IsTest => Mode == TokenMode.Test;
}

public static class CallerExtensions
{
    /// <summary>The authenticated caller; only valid on endpoints that require a token.</summary>
    public static Caller GetCaller(this HttpContext context) =>
        context.Features.Get<Caller>() ?? throw new InvalidOperationException("Endpoint is not authenticated.");

}
