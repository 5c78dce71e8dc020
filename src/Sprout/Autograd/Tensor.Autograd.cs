namespace Sprout;

public sealed partial class Tensor
{
    /// <summary>
    /// True when an op recorded this tensor after <paramref name="mark"/> (an <see cref="Autograd.Mark"/> taken before
    /// its producer ran): only such a tensor may be marked transient, never an input, a parameter or an older tensor.
    /// </summary>
    internal bool WasRecordedAfter(long mark) => Node is { } node && node.Sequence > mark && !IsMeta;

    /// <summary>When set (benchmarks), receives the op name and time of every backward rule.</summary>
    internal static Action<string, TimeSpan>? BackwardProfiler { get; set; }

    /// <summary>True when a backward pass would compute a gradient for this tensor.</summary>
    public bool RequiresGrad => Node is not null || (GradBuffer is not null && GradRequest != GradReq.Null);

    /// <summary>Makes this tensor a leaf whose gradient <c>Backward</c> fills (MXNet's <c>attach_grad</c>).</summary>
    public void AttachGrad(GradReq request = GradReq.Write)
    {
        ThrowIfMeta("AttachGrad");
        OwnCopy();   // a variable made as x = t.Transpose() is the user's own: its updates write into it
        GradRequest = request;
        GradBuffer ??= new Tensor(Shape) { _isGradientBuffer = true };
    }

    /// <summary>How many backward passes have written this leaf's gradient (a trainer tells fresh gradients from stale ones by it).</summary>
    internal long GradientWrites { get; private set; }

    /// <summary>The gradient of a leaf after <c>Backward</c>.</summary>
    public Tensor Grad() => GradBuffer ?? throw new InvalidOperationException(
        $"This tensor of shape {Shape} has no gradient buffer. Call AttachGrad() on it before recording, or read Parameter.Grad() for a parameter.");

    /// <summary>The same storage, cut off from the tape: no gradient flows through it.</summary>
    public Tensor Detach() => View(Shape);

    internal static bool Wants(Tensor a) => Autograd.IsRecording && a.RequiresGrad;
    internal static bool Wants(Tensor a, Tensor b) => Autograd.IsRecording && (a.RequiresGrad || b.RequiresGrad);

    internal Tensor Record(string op, Tensor a, Func<Tensor, Tensor> da)
    {
        Node = new TapeNode(op, [a], [da]);
        Autograd.Collect(this);
        return this;
    }

    internal Tensor Record(string op, Tensor a, Func<Tensor, Tensor> da, Tensor b, Func<Tensor, Tensor> db)
    {
        Node = new TapeNode(op, [a, b], [da, db]);
        Autograd.Collect(this);
        return this;
    }

    internal Tensor Record(string op, Tensor[] inputs, Func<Tensor, Tensor>[] rules)
    {
        Node = new TapeNode(op, inputs, rules);
        Autograd.Collect(this);
        return this;
    }

    /// <summary>
    /// Back-propagates from this tensor through the recorded graph into every leaf's gradient buffer, then frees the
    /// graph and releases its transient intermediates (a Sequential's hand-offs; see <see cref="IsReleased"/>).
    /// A non-scalar needs <paramref name="headGradient"/> (the gradient of some scalar with respect to it).
    /// </summary>
    public void Backward(Tensor? headGradient = null) => Backward(headGradient, null);

    /// <summary>
    /// <see cref="Backward(Tensor?)"/>, calling <paramref name="gradientReady"/> with each leaf (a parameter's
    /// <c>Data()</c>, or a tensor given <see cref="AttachGrad"/>) as soon as its gradient buffer holds this pass's final
    /// value — after the last op that used it has run back, while the rest of the pass goes on (PyTorch's
    /// post-accumulate-grad hooks; data-parallel training starts reducing gradients there). Leaves get it in the order
    /// the pass finishes them, which is the same on every run of the same graph. An exception from the callback ends
    /// the pass and propagates; gradients already written stay written.
    /// </summary>
    public void Backward(Tensor? headGradient, Action<Tensor>? gradientReady)
    {
        ThrowIfCannotBackward(headGradient);
        var head = headGradient ?? Ones(Shape);
        var order = TopologicalOrder();
        ThrowIfOverwrittenSinceRecorded(order);
        var uses = gradientReady is null ? null : LeafUses(order);
        var grads = new GradientTable(StoragePool.BeginRentalLog());
        try
        {
            using var current = grads.Enter();
            grads.Set(this, head);
            using (Autograd.Pause())
                for (int i = order.Count - 1; i >= 0; i--)
                    if (order[i].Node is { } node && grads.TryGet(order[i], out var g))
                    {
                        Propagate(order[i], g, grads);
                        grads.Consumed(order[i]);
                        if (uses is not null) FinishLeaves(node, uses, grads, gradientReady!);
                    }
            WriteLeafGradients(order, grads, gradientReady);   // what is left: a leaf that is itself the head
        }
        finally
        {
            StoragePool.EndRentalLog();
        }
        FreeGraph(order);
    }

    /// <summary>How many inputs of the graph's nodes each leaf with a gradient buffer is: its gradient is final when all have run back.</summary>
    private static Dictionary<Tensor, int> LeafUses(List<Tensor> order)
    {
        var uses = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        foreach (var t in order)
            if (t.Node is { } node)
                foreach (var input in node.Inputs)
                    if (IsGradientLeaf(input)) uses[input] = uses.GetValueOrDefault(input) + 1;
        return uses;
    }

    private static bool IsGradientLeaf(Tensor t) => t.Node is null && t.GradBuffer is not null && t.GradRequest != GradReq.Null;

    /// <summary>After <paramref name="node"/> ran back: writes each of its leaf inputs whose last use that was, and reports it.</summary>
    private static void FinishLeaves(TapeNode node, Dictionary<Tensor, int> uses, GradientTable grads, Action<Tensor> gradientReady)
    {
        foreach (var input in node.Inputs)
        {
            if (!uses.TryGetValue(input, out int left)) continue;
            if (left > 1) { uses[input] = left - 1; continue; }
            uses.Remove(input);
            if (WriteLeafGradient(input, grads)) gradientReady(input);
        }
    }

    /// <summary>Runs the rules of <paramref name="t"/>'s node and adds each contribution to its input's gradient.</summary>
    private static void Propagate(Tensor t, Tensor g, GradientTable grads)
    {
        var node = t.Node!;
        for (int k = 0; k < node.Inputs.Length; k++)
        {
            var input = node.Inputs[k];
            if (!input.RequiresGrad) continue;
            long started = BackwardProfiler is null ? 0 : System.Diagnostics.Stopwatch.GetTimestamp();
            var contribution = node.Rules[k](g);
            BackwardProfiler?.Invoke(node.Op + "#" + k + " " + input.Shape, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            grads.Accumulate(input, contribution);
        }
    }

    private void ThrowIfCannotBackward(Tensor? headGradient)
    {
        if (_graphFreed)
            throw new InvalidOperationException(
                "Backward() was already called on this graph and its tape has been freed. Recompute the loss inside Autograd.Record() before calling Backward() again.");
        if (Node is null && GradBuffer is null)
            throw new InvalidOperationException(
                $"This tensor of shape {Shape} was not computed while recording from anything that wants a gradient, so there is nothing to differentiate. Compute it inside `using (Autograd.Record()) {{ ... }}` from parameters (or tensors with AttachGrad()), " +
                "not all of them frozen (GradReq.Null); that includes the last reduction: loss.Sum() taken after the scope has closed is not recorded (or call Backward(Tensor.Ones(shape)) on the recorded tensor itself).");
        if (headGradient is null && Length != 1)
            throw new InvalidOperationException(
                $"Backward() without a head gradient needs a scalar, but this tensor has shape {Shape}. Reduce it inside the Autograd.Record() scope (loss.Sum() or loss.Mean()), or pass Backward(headGradient) of shape {Shape} (Tensor.Ones for a sum).");
        if (headGradient is not null && headGradient.Shape != Shape)
            throw new ArgumentException($"Backward: the head gradient has shape {headGradient.Shape}; expected the output's shape {Shape}.", nameof(headGradient));
    }

    /// <summary>Every tensor reachable from this one, inputs before the ops that use them.</summary>
    private List<Tensor> TopologicalOrder()
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, bool Expanded)>();
        stack.Push((this, false));
        while (stack.Count > 0)
        {
            var (t, expanded) = stack.Pop();
            if (expanded) { order.Add(t); continue; }
            if (!visited.Add(t)) continue;
            stack.Push((t, true));
            if (t.Node is null) continue;
            foreach (var input in t.Node.Inputs)
                if (input.RequiresGrad && !visited.Contains(input)) stack.Push((input, false));
        }
        return order;
    }

    private static void WriteLeafGradients(List<Tensor> order, GradientTable grads, Action<Tensor>? gradientReady)
    {
        foreach (var t in order)
            if (WriteLeafGradient(t, grads)) gradientReady?.Invoke(t);
    }

    /// <summary>Moves a leaf's gradient from the table into its buffer (replacing or adding, as its GradReq says); false if it has none pending.</summary>
    private static bool WriteLeafGradient(Tensor t, GradientTable grads)
    {
        if (t.GradBuffer is null || t.GradRequest == GradReq.Null || !grads.TryGet(t, out var g)) return false;
        if (ReferenceEquals(g, t.GradBuffer)) { }   // a rule wrote it in place (GradientTable.DirectDestination)
        else if (t.GradRequest == GradReq.Write) g.Span.CopyTo(t.GradBuffer.AsSpan());
        else System.Numerics.Tensors.TensorPrimitives.Add(t.GradBuffer.Span, g.Span, t.GradBuffer.AsSpan());
        grads.Consumed(t);
        t.GradientWrites++;
        return true;
    }

    private static void FreeGraph(List<Tensor> order)
    {
        foreach (var t in order)
        {
            if (t.Node is null) continue;
            t.Node = null;
            t._graphFreed = true;
        }
        foreach (var t in order) t.ReleaseIfTransient();
    }
}
