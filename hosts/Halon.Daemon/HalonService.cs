using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon;

/// <summary>
/// The one hosted service of halond. <see cref="StartAsync"/> opens the data dir and listens before the host
/// reports itself started, and the daemon tells systemd READY=1 as soon as the node listens (never after quorum).
/// The loop runs on its own thread, awaited by <see cref="ExecuteAsync"/>; a fatal error records exit code 1 and
/// stops the host. A start failure that a restart cannot fix exits with <see cref="DaemonExit.DataDirUnusable"/>.
/// </summary>
internal sealed class HalonService : BackgroundService
{
    private readonly HalonDaemon _daemon;
    private readonly DaemonExit _exit;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly DaemonSettings _settings;

    public HalonService(DaemonSettings settings, ILoggerFactory loggerFactory, TimeProvider time, DaemonExit exit, IHostApplicationLifetime lifetime)
    {
        _daemon = new HalonDaemon(settings, loggerFactory, time);
        _exit = exit;
        _lifetime = lifetime;
        _logger = loggerFactory.CreateLogger("halond");
        _settings = settings;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _daemon.Start();
        }
        catch (DaemonStartException e)
        {
            _exit.Code = e.ExitCode;
            DaemonLog.StartFailed(_logger, e.Message);
            await _daemon.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _settings.Notifier.Stopping();
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
            _exit.Code = DaemonExit.Failure; // Logged where it happened.
            _lifetime.StopApplication();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            DaemonLog.LoopFailed(_logger, e);
            _exit.Code = DaemonExit.Failure;
            _lifetime.StopApplication();
        }
    }
}
