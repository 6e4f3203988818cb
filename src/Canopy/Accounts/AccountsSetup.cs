namespace Canopy.Accounts;

internal static class AccountsSetup
{
    /// <summary>Tokens and their cache, the per-account context cache (kept fresh by an EF interceptor), the operator key; the accounts' writes.</summary>
    public static IServiceCollection AddCanopyAccounts(this IServiceCollection services)
    {
        services.AddSingleton<TokenStore>();
        services.AddSingleton<Platform.IKnownCredentials>(sp => sp.GetRequiredService<TokenStore>());
        services.AddSingleton<AccountContextCache>();
        services.AddSingleton<AccountChangeInterceptor>();
        // Every registered EF interceptor joins the context (DatabaseSetup); tests add a command counter this way.
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(sp => sp.GetRequiredService<AccountChangeInterceptor>());
        services.AddSingleton<AdminKey>();
        services.AddScoped<AccountService>();
        services.AddScoped<SubaccountService>();
        return services;
    }
}
