using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon;

/// <summary>
/// The one hosted service of halond. <see cref="StartAsync"/> opens the data dir and listens before the host
/// reports itself started, so systemd gets READY=1 as soon as the node listens (never after quorum). The loop runs
/// in <see cref="ExecuteAsync"/>; a fatal error records exit code 1 and stops the host.
/// </summary>
internal sealed class HalonService : BackgroundService
{
    private readonly HalonDaemon _daemon;
    private readonly DaemonExit _exit;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;

    public HalonService(DaemonSettings settings, ILoggerFactory loggerFactory, TimeProvider time, DaemonExit exit, IHostApplicationLifetime lifetime)
    {
        _daemon = new HalonDaemon(settings, loggerFactory, time);
        _exit = exit;
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger("halond");
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _daemon.Start();
        }
        catch (DaemonStartException e)
        {
            _exit.Code = 1;
            DaemonLog.StartFailed(_logger, e.Message);
            await _daemon.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _daemon.DisposeAsync().ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _daemon.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (DaemonFatalException)
        {
            _exit.Code = 1; // Logged where it happened.
            _lifetime.StopApplication();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            DaemonLog.LoopFailed(_logger, e);
            _exit.Code = 1;
            _lifetime.StopApplication();
        }
    }
}
