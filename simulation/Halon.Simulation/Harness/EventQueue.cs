namespace Halon.Simulation.Harness;

/// <summary>
/// A 4-ary min-heap of <see cref="SimEvent"/> structs; no allocation per event once grown. Four children per node
/// halve the depth of a binary heap, which matters with a hundred thousand satellites' events queued; the order of
/// (time, sequence) is total, so the shape of the heap never changes which event comes next.
/// </summary>
internal sealed class EventQueue
{
    private const int Arity = 4;

    private SimEvent[] _heap = new SimEvent[1024];
    private int _count;
    private long _sequence;

    public int Count => _count;

    public void Push(SimEvent item)
    {
        item.Sequence = _sequence++;
        if (_count == _heap.Length)
        {
            Array.Resize(ref _heap, _heap.Length * 2);
        }

        var index = _count++;
        while (index > 0)
        {
            var parent = (index - 1) / Arity;
            if (!item.Before(_heap[parent]))
            {
                break;
            }

            _heap[index] = _heap[parent];
            index = parent;
        }

        _heap[index] = item;
    }

    public long PeekTime() => _heap[0].Time;

    /// <summary>Drops every event (a run stopped for exceeding its budget).</summary>
    public void Clear()
    {
        Array.Clear(_heap, 0, _count);
        _count = 0;
    }

    public SimEvent Pop()
    {
        var top = _heap[0];
        var last = _heap[--_count];
        _heap[_count] = default;
        if (_count > 0)
        {
            var index = 0;
            while (true)
            {
                var first = (index * Arity) + 1;
                if (first >= _count)
                {
                    break;
                }

                var best = first;
                var end = Math.Min(first + Arity, _count);
                for (var child = first + 1; child < end; child++)
                {
                    if (_heap[child].Before(_heap[best]))
                    {
                        best = child;
                    }
                }

                if (!_heap[best].Before(last))
                {
                    break;
                }

                _heap[index] = _heap[best];
                index = best;
            }

            _heap[index] = last;
        }

        return top;
    }
}
