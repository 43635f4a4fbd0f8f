using System.Threading.Channels;

namespace Halon.Transport.Tcp;

/// <summary>
/// One reader over two queues: everything in <c>first</c> is read before anything in <c>second</c>. It completes
/// when both have completed and are empty. One reader at a time, like the queues it reads.
/// </summary>
internal sealed class PriorityEventReader(ChannelReader<TransportEvent> first, ChannelReader<TransportEvent> second) : ChannelReader<TransportEvent>
{
    private readonly Task _completion = Task.WhenAll(first.Completion, second.Completion);

    public override Task Completion => _completion;

    public override bool CanPeek => true;

    public override bool TryRead(out TransportEvent item) => first.TryRead(out item!) || second.TryRead(out item!);

    public override bool TryPeek(out TransportEvent item) => first.TryPeek(out item!) || second.TryPeek(out item!);

    public override async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (first.TryPeek(out _) || second.TryPeek(out _))
            {
                return true;
            }

            var firstOpen = !first.Completion.IsCompleted;
            var secondOpen = !second.Completion.IsCompleted;
            if (!firstOpen && !secondOpen)
            {
                return false;
            }

            if (firstOpen && secondOpen)
            {
                // Whichever gets something first; the other wait is left to finish on its own (it holds nothing).
                using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var a = first.WaitToReadAsync(either.Token).AsTask();
                var b = second.WaitToReadAsync(either.Token).AsTask();
                await Task.WhenAny(a, b).ConfigureAwait(false);
                await either.CancelAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }

            var open = firstOpen ? first : second;
            if (!await open.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                continue; // It completed: the loop sees both done, or reads what the other still holds.
            }
        }
    }
}
