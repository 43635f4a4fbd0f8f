namespace Halon.Simulation.Harness;

/// <summary>
/// The simulation's event queue: events come out in (time, sequence) order, a total order, so a run depends only on
/// its seed and never on how the queue is built.
/// </summary>
/// <remarks>
/// A calendar of one bucket per slot of <see cref="SlotWidth"/> time units, <see cref="Slots"/> slots ahead, because a
/// single heap of a hundred thousand satellites' events spends most of its time on cache misses. An event lands in
/// the bucket of its slot unsorted; an event beyond the calendar waits in a small heap (<see cref="_later"/>). When
/// the queue reaches a slot, that slot's bucket (with any of the later events that now fall in it) is sorted once (a
/// counting sort by time within the slot) and read in order; an event pushed into the slot being read goes to a
/// second small heap (<see cref="_current"/>), and each pop takes the earlier of the two heads.
/// </remarks>
internal sealed class EventQueue
{
    private const int Slots = 4096;

    private readonly long _slotWidth;
    private readonly Bucket[] _buckets = new Bucket[Slots];
    private readonly EventHeap _current = new();
    private readonly EventHeap _later = new();
    private readonly Stack<SimEvent[]> _free = new(); // Arrays of buckets read and done with, for buckets to come.
    private SimEvent[] _sorted = new SimEvent[64];
    private SimEvent[] _scratch = new SimEvent[64];
    private int[]? _counts;
    private int _sortedCount;
    private int _sortedNext;
    private long _slot; // Every event of an earlier slot has been handed out or sits in _sorted/_current.
    private int _inBuckets;
    private long _sequence;

    public EventQueue(long slotWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slotWidth, 1);
        _slotWidth = slotWidth;
    }

    /// <summary>The width of one slot of the calendar, in time units.</summary>
    public long SlotWidth => _slotWidth;

    public int Count => (_sortedCount - _sortedNext) + _current.Count + _inBuckets + _later.Count;

    public void Push(SimEvent item)
    {
        item.Sequence = _sequence++;
        var slot = item.Time / _slotWidth;
        if (slot <= _slot)
        {
            _current.Push(item);
        }
        else if (slot < _slot + Slots)
        {
            _buckets[slot % Slots].Add(item, _free);
            _inBuckets++;
        }
        else
        {
            _later.Push(item);
        }
    }

    public long PeekTime()
    {
        FillCurrentSlot();
        return HeadIsSorted() ? _sorted[_sortedNext].Time : _current.Peek().Time;
    }

    public SimEvent Pop()
    {
        FillCurrentSlot();
        if (HeadIsSorted())
        {
            var item = _sorted[_sortedNext];
            _sorted[_sortedNext++] = default;
            return item;
        }

        return _current.Pop();
    }

    /// <summary>Drops every event (a run stopped for exceeding its budget).</summary>
    public void Clear()
    {
        Array.Clear(_sorted);
        _sortedCount = 0;
        _sortedNext = 0;
        _current.Clear();
        _later.Clear();
        foreach (ref var bucket in _buckets.AsSpan())
        {
            bucket.Clear();
        }

        _inBuckets = 0;
    }

    private bool HeadIsSorted() =>
        _sortedNext < _sortedCount && (_current.Count == 0 || _sorted[_sortedNext].Before(_current.Peek()));

    /// <summary>Moves on, slot by slot, until the slot being read has an event (the queue must not be empty).</summary>
    private void FillCurrentSlot()
    {
        if (_sortedNext < _sortedCount || _current.Count > 0)
        {
            return;
        }

        if (Count == 0)
        {
            throw new InvalidOperationException("the event queue is empty");
        }

        _sortedCount = 0;
        _sortedNext = 0;
        while (_sortedCount == 0)
        {
            // Nothing in the calendar: jump straight to the slot of the earliest later event.
            _slot = _inBuckets == 0 ? Math.Max(_slot + 1, _later.Peek().Time / _slotWidth) : _slot + 1;
            ref var bucket = ref _buckets[_slot % Slots];
            if (bucket.Count > 0)
            {
                // The bucket's array becomes the one read in order; the one read before (each of its events
                // cleared as it was popped) goes back to the pool.
                _sortedCount = bucket.Count;
                _inBuckets -= bucket.Count;
                _free.Push(_sorted);
                _sorted = bucket.TakeItems();
            }

            while (_later.Count > 0 && _later.Peek().Time / _slotWidth <= _slot)
            {
                EnsureSorted(_sortedCount + 1);
                _sorted[_sortedCount++] = _later.Pop();
            }
        }

        SortSlot();
    }

    /// <summary>
    /// Puts the slot's events in (time, sequence) order. They arrive in sequence order for equal times: the later
    /// events first (pushed before the slot entered the calendar, so with lower sequence numbers, and out of their heap
    /// in (time, sequence) order), then the bucket's in the order they were pushed. A stable counting sort by the time
    /// within the slot therefore gives the exact order, in two passes.
    /// </summary>
    private void SortSlot()
    {
        var start = _slot * _slotWidth;
        _counts ??= new int[_slotWidth + 1];
        Array.Clear(_counts);
        for (var i = 0; i < _sortedCount; i++)
        {
            var offset = _sorted[i].Time - start;
            if (offset < 0 || offset >= _slotWidth)
            {
                throw new InvalidOperationException($"an event at {_sorted[i].Time} in the slot from {start}");
            }

            _counts[offset + 1]++;
        }

        for (var i = 1; i < _counts.Length; i++)
        {
            _counts[i] += _counts[i - 1];
        }

        if (_scratch.Length < _sortedCount)
        {
            _scratch = new SimEvent[Math.Max(_sortedCount, _scratch.Length * 2)];
        }

        for (var i = 0; i < _sortedCount; i++)
        {
            _scratch[_counts[_sorted[i].Time - start]++] = _sorted[i];
        }

        // The sorted copy becomes the array read; the old one, cleared, is the next scratch.
        Array.Clear(_sorted, 0, _sortedCount);
        (_sorted, _scratch) = (_scratch, _sorted);
    }

    private void EnsureSorted(int count)
    {
        if (_sorted.Length < count)
        {
            Array.Resize(ref _sorted, Math.Max(count, _sorted.Length * 2));
        }
    }

    /// <summary>The unsorted events of one slot.</summary>
    private struct Bucket
    {
        private SimEvent[]? _items;

        public int Count { get; private set; }

        public void Add(in SimEvent item, Stack<SimEvent[]> free)
        {
            _items ??= free.Count > 0 ? free.Pop() : new SimEvent[64];
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[Count++] = item;
        }

        /// <summary>Hands over the array with its events and leaves the bucket empty, with none.</summary>
        public SimEvent[] TakeItems()
        {
            var items = _items!;
            _items = null;
            Count = 0;
            return items;
        }

        public void Clear()
        {
            if (_items is not null)
            {
                Array.Clear(_items, 0, Count);
            }

            Count = 0;
        }
    }

    /// <summary>A 4-ary min-heap of events by (time, sequence); no allocation per event once grown.</summary>
    private sealed class EventHeap
    {
        private const int Arity = 4;

        private SimEvent[] _heap = new SimEvent[64];

        public int Count { get; private set; }

        public ref readonly SimEvent Peek() => ref _heap[0];

        public void Push(in SimEvent item)
        {
            if (Count == _heap.Length)
            {
                Array.Resize(ref _heap, _heap.Length * 2);
            }

            var index = Count++;
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

        public SimEvent Pop()
        {
            var top = _heap[0];
            var last = _heap[--Count];
            _heap[Count] = default;
            if (Count > 0)
            {
                var index = 0;
                while (true)
                {
                    var first = (index * Arity) + 1;
                    if (first >= Count)
                    {
                        break;
                    }

                    var best = first;
                    var end = Math.Min(first + Arity, Count);
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

        public void Clear()
        {
            Array.Clear(_heap, 0, Count);
            Count = 0;
        }
    }
}
