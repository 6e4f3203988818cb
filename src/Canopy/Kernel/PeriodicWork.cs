namespace Canopy.Kernel;

/// <summary>
/// The one loop of every background job: run a pass, again at once while it says more work is waiting, then wait the
/// interval (also after a failed pass, which is logged with the job's name); stop quietly with the host.
/// </summary>
public static class PeriodicWork
{
    /// <param name="name">What the job does, for the log.</param>
    /// <param name="pass">One pass; true when more work is waiting and the next pass should run at once.</param>
    /// <param name="interval">The wait after a pass (read each time: options may change).</param>
    /// <param name="time">The clock to wait on.</param>
    /// <param name="logger">Where failed passes are logged.</param>
    /// <param name="stoppingToken">The host stopping.</param>
    public static async Task RunAsync(string name, Func<CancellationToken, Task<bool>> pass, Func<TimeSpan> interval,
        TimeProvider time, ILogger logger, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await pass(stoppingToken) && !stoppingToken.IsCancellationRequested) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "{Job} failed; retrying after {Interval}", name, interval());
            }
            try
            {
                await Task.Delay(interval(), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
