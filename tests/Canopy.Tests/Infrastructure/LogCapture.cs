using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace Canopy.Tests.Infrastructure;

/// <summary>A Serilog sink that keeps what an app logged, so tests can assert on it.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    /// <summary>Events at Error or above whose rendered message mentions <paramref name="text"/>.</summary>
    public IReadOnlyList<LogEvent> Errors(string text) =>
        [.. _events.Where(e => e.Level >= LogEventLevel.Error && e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(text, StringComparison.Ordinal))];
}
