namespace Halon.Simulation.Harness;

/// <summary>A binary min-heap of <see cref="SimEvent"/> structs; no allocation per event once grown.</summary>
internal sealed class EventQueue
{
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
            var parent = (index - 1) >> 1;
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
                var child = (index << 1) + 1;
                if (child >= _count)
                {
                    break;
                }

                if (child + 1 < _count && _heap[child + 1].Before(_heap[child]))
                {
                    child++;
                }

                if (!_heap[child].Before(last))
                {
                    break;
                }

                _heap[index] = _heap[child];
                index = child;
            }

            _heap[index] = last;
        }

        return top;
    }
}
