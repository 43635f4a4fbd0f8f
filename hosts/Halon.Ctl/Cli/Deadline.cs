using System.Diagnostics;
using Halon.Ctl.Addressing;

namespace Halon.Ctl.Cli;

/// <summary>
/// The end of a command's <c>--timeout</c>: one instant that every connection, request and wait of the command keeps
/// to. <see cref="Token"/> is cancelled when it passes (or when the operator interrupts), and
/// <see cref="WaitAsync"/> returns by then even for work that cannot be cancelled (a name lookup), so a command ends
/// within milliseconds of its timeout whatever the nodes do.
/// </summary>
internal sealed class Deadline : IDisposable
{
    private readonly CancellationTokenSource _expiry;
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();

    public Deadline(TimeSpan timeout, CancellationToken interrupt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Timeout = timeout;
        Interrupt = interrupt;
        _expiry = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        _expiry.CancelAfter(timeout);
    }

    /// <summary>The whole command's time, as given with <c>--timeout</c>.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Cancelled by the operator (Ctrl-C) only.</summary>
    public CancellationToken Interrupt { get; }

    /// <summary>Cancelled at the deadline or by the operator: hand it to everything the command waits for.</summary>
    public CancellationToken Token => _expiry.Token;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_startTimestamp);

    public TimeSpan Remaining
    {
        get
        {
            var left = Timeout - Elapsed;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>Whether the deadline has passed (its token is cancelled, or the clock says so).</summary>
    public bool Expired => _expiry.IsCancellationRequested || Remaining == TimeSpan.Zero;

    /// <summary>The timeout as an operator wrote it, for messages: <c>30s</c>.</summary>
    public string TimeoutText => Durations.Format(Timeout);

    /// <summary>
    /// Waits until <paramref name="task"/> completes, <paramref name="patience"/> has passed, or the deadline is
    /// reached, whichever comes first; returns whether the task completed. The task itself is not cancelled: it goes
    /// on, and a later wait may still collect it. Throws <see cref="OperationCanceledException"/> on an interrupt.
    /// </summary>
    public async Task<bool> WaitAsync(Task task, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.IsCompleted)
        {
            return true;
        }

        // Bounded by the deadline itself, the wait ends when its token is cancelled, so that Expired is true then.
        var untilDeadline = patience == System.Threading.Timeout.InfiniteTimeSpan || patience >= Remaining;
        if (!Expired)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(untilDeadline ? Token : Interrupt);
            var delay = Task.Delay(untilDeadline ? System.Threading.Timeout.InfiniteTimeSpan : patience, stop.Token);
            await Task.WhenAny(task, delay).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
        }

        Interrupt.ThrowIfCancellationRequested();
        return task.IsCompleted;
    }

    public void Dispose() => _expiry.Dispose();
}
