using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using Canopy.Outbox;

namespace Canopy.Notifications;

/// <summary><c>Smtp:*</c>: how emails leave Canopy. Without <see cref="Host"/> they are written as .eml files instead.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary><c>auto</c> (STARTTLS when offered; implicit TLS on port 465), <c>starttls</c> (required), <c>tls</c> (implicit TLS), or <c>none</c>.</summary>
    public string Security { get; set; } = "auto";
    /// <summary>The sender, e.g. <c>Canopy &lt;receipts@example.com&gt;</c>.</summary>
    public string From { get; set; } = "Canopy <receipts@canopy.invalid>";
    /// <summary>Where .eml files go when no SMTP host is set (relative to the working directory).</summary>
    public string PickupDirectory { get; set; } = "emails";
    public int TimeoutSeconds { get; set; } = 30;

    public bool UsesSmtp => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>Sends one email; throws when it could not (the outbox retries).</summary>
public interface IEmailSender
{
    Task SendAsync(MimeMessage message, CancellationToken ct);
}

/// <summary>Over SMTP with MailKit: one connection per message (receipts are few; no pool to go stale).</summary>
internal sealed class SmtpEmailSender(IOptions<SmtpOptions> options) : IEmailSender
{
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var o = options.Value;
        using var client = new SmtpClient { Timeout = Math.Max(1, o.TimeoutSeconds) * 1000 };
        var security = o.Security.Trim().ToLowerInvariant() switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "tls" or "ssl" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        };
        await client.ConnectAsync(o.Host!, o.Port, security, ct);
        if (!string.IsNullOrEmpty(o.Username)) await client.AuthenticateAsync(o.Username, o.Password ?? "", ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(true, ct);
    }
}

/// <summary>Writes each message as an .eml file (for the demo and for machines without a mail server).</summary>
internal sealed class PickupFolderEmailSender(IOptions<SmtpOptions> options, TimeProvider time) : IEmailSender
{
    public string Directory => Path.GetFullPath(options.Value.PickupDirectory);

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = $"{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}.eml";
        var path = Path.Combine(Directory, name);
        await using (var file = File.Create(path + ".tmp"))
            await message.WriteToAsync(file, ct);
        File.Move(path + ".tmp", path); // a reader never sees half a message
    }
}

public static class EmailSetup
{
    /// <summary>Email over SMTP (<c>Smtp:Host</c> set) or into a folder, and the receipt-email outbox handler.</summary>
    public static IServiceCollection AddCanopyEmail(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<SmtpOptions>(config.GetSection("Smtp"));
        var smtp = config.GetSection("Smtp").Get<SmtpOptions>() ?? new SmtpOptions();
        if (smtp.UsesSmtp) services.AddSingleton<IEmailSender, SmtpEmailSender>();
        else services.AddSingleton<IEmailSender, PickupFolderEmailSender>();
        services.AddOutboxHandler<ReceiptEmailHandler>(OutboxTopics.ReceiptEmail);
        services.AddHostedService<EmailBanner>();
        return services;
    }

    private sealed class EmailBanner(IOptions<SmtpOptions> options, ILogger<EmailBanner> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var o = options.Value;
            if (o.UsesSmtp) logger.LogInformation("Emails are sent over SMTP via {Host}:{Port} ({Security}) from {From}", o.Host, o.Port, o.Security, o.From);
            else logger.LogWarning("No Smtp:Host is set: emails are written as .eml files to {Directory}", Path.GetFullPath(o.PickupDirectory));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
