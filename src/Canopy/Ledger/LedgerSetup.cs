namespace Canopy.Ledger;

internal static class LedgerSetup
{
    /// <summary>The chart of ledger accounts and the posting service.</summary>
    public static IServiceCollection AddCanopyLedger(this IServiceCollection services)
    {
        services.AddSingleton<LedgerAccounts>();
        services.AddScoped<LedgerService>();
        return services;
    }
}
