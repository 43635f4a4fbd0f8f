namespace Halon.Transport.Tcp.Datagrams;

/// <summary>
/// The counters a datagram key has accepted, as IPsec and DTLS keep them: the highest one, and which of the
/// <see cref="Size"/> below it were seen. A counter above the highest is new; one inside the window is new once; one
/// below the window is too old to tell and is refused. Not thread-safe: its key holds a lock around it.
/// </summary>
internal sealed class ReplayWindow
{
    /// <summary>Counters below the highest that are still told apart: a datagram overtaken by this many others is refused.</summary>
    public const int Size = 1024;

    private readonly ulong[] _seen = new ulong[Size / 64];
    private ulong _highest;
    private bool _any;

    /// <summary>Whether <paramref name="counter"/> would be accepted now (nothing changes).</summary>
    public bool IsNew(ulong counter)
    {
        if (!_any || counter > _highest)
        {
            return true;
        }

        var behind = _highest - counter;
        return behind < Size && !Test(counter);
    }

    /// <summary>Records <paramref name="counter"/> as seen; call only after <see cref="IsNew"/> and after the datagram authenticated.</summary>
    public void Accept(ulong counter)
    {
        if (!_any)
        {
            _any = true;
            _highest = counter;
            Set(counter);
            return;
        }

        if (counter > _highest)
        {
            // Clear the slots of the counters the window moves past, then take the new highest.
            var advance = counter - _highest;
            if (advance >= Size)
            {
                Array.Clear(_seen);
            }
            else
            {
                for (var c = _highest + 1; c <= counter; c++)
                {
                    Clear(c);
                }
            }

            _highest = counter;
        }

        Set(counter);
    }

    private bool Test(ulong counter) => (_seen[Slot(counter)] & Bit(counter)) != 0;

    private void Set(ulong counter) => _seen[Slot(counter)] |= Bit(counter);

    private void Clear(ulong counter) => _seen[Slot(counter)] &= ~Bit(counter);

    private static int Slot(ulong counter) => (int)(counter % Size / 64);

    private static ulong Bit(ulong counter) => 1UL << (int)(counter % 64);
}
