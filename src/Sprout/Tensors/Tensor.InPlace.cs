namespace Sprout;

// Writing into an existing tensor: MXNet's x[:] = value and PyTorch's copy_ / fill_ / zero_, which the book's
// from-scratch chapters use to update parameters and clear gradients. Autograd keeps a clock of such writes, so a
// backward pass whose recorded ops read a tensor that was overwritten after they ran refuses before it writes
// anything (PyTorch's "modified by an inplace operation" check).
public sealed partial class Tensor
{
    private static long s_inPlaceWrites;   // the clock: in-place writes so far, in this process
    private long _writtenAt;                // on a storage's owner: the clock at its last in-place write
    private string? _copiedBy;              // on a storage's owner: the op that copied it where PyTorch's makes a view

    /// <summary>The in-place write clock now (a recorded op notes it, see <see cref="TapeNode.WritesBefore"/>).</summary>
    internal static long InPlaceClock => Volatile.Read(ref s_inPlaceWrites);

    /// <summary>Whether this tensor's storage was written in place after the clock read <paramref name="clock"/>.</summary>
    internal bool WrittenInPlaceAfter(long clock) => (_owner ?? this)._writtenAt > clock;

    /// <summary>
    /// Overwrites every element with <paramref name="source"/>'s, broadcast to this shape (MXNet's <c>x[:] = source</c>,
    /// PyTorch's <c>x.copy_(source)</c>): the book's from-scratch update is
    /// <c>w.CopyFrom(w - lr * w.Grad() / batchSize)</c>, outside the <c>Autograd.Record()</c> scope. The source is read
    /// whole before anything is written, so it may be computed from this tensor. Not recorded: no gradient flows
    /// through the write.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="source"/>'s shape does not broadcast to this one.</exception>
    /// <exception cref="InvalidOperationException">While recording, on a tensor that wants a gradient; or on a meta tensor.</exception>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.ThrowIfMeta("CopyFrom's source");
        if (!BroadcastsTo(source.Shape, Shape))
            throw new ArgumentException(
                $"CopyFrom: a source of shape {source.Shape} cannot be written into a tensor of shape {Shape}. " +
                $"Give a source of shape {Shape}, or one that broadcasts to it (size-1 or missing leading axes).", nameof(source));
        BeginInPlaceWrite("CopyFrom");
        Tensor values;
        using (Autograd.Pause()) values = source.Shape == Shape ? source : source.BroadcastTo(Shape);
        values.Span.CopyTo(AsSpan());   // overlapping storage (a view of this tensor) is moved as memmove does
    }

    /// <summary>Sets every element to <paramref name="value"/> (PyTorch's <c>fill_</c>; <c>Fill(0)</c> is <c>zero_</c>, e.g. on a gradient).</summary>
    /// <exception cref="InvalidOperationException">While recording, on a tensor that wants a gradient; or on a meta tensor.</exception>
    public void Fill(float value)
    {
        BeginInPlaceWrite("Fill");
        AsSpan().Fill(value);
    }

    /// <summary>Checks that <paramref name="operation"/> may overwrite this tensor, then notes the write on the clock; call it once every argument is checked.</summary>
    private void BeginInPlaceWrite(string operation)
    {
        ThrowIfMeta(operation);
        if ((_owner ?? this)._copiedBy is { } copiedBy)
            throw new InvalidOperationException(
                $"{operation} would write into a copy: this tensor (shape {Shape}) came from {copiedBy}, which copies the elements " +
                "where PyTorch's returns a view, so the tensor it was taken from would not change. To write into part of a tensor, " +
                "assign through its range indexer: x[.., 2..6] = values (or Tensor.Scalar(0f)). To change this copy on its own, write into its Clone().");
        if (Autograd.IsRecording && RequiresGrad)
            throw new InvalidOperationException(
                $"{operation} would overwrite a tensor of shape {Shape} that the recorded graph differentiates ({(Node is null ? "a leaf with a gradient" : $"the output of '{Node.Op}'")}), " +
                "so the gradients of the ops that read it would be wrong. Write it after the Autograd.Record() scope has closed (as PyTorch's " +
                "torch.no_grad()), or compute a new tensor instead (y = x * 2 rather than overwriting x).");
        _ = Storage;   // a released tensor says so here, before anything is written
        StampInPlaceWrite();
    }

    /// <summary>Whether <paramref name="from"/> broadcasts to exactly <paramref name="to"/> (aligned on the right, each size equal or 1).</summary>
    private static bool BroadcastsTo(Shape from, Shape to)
    {
        if (from.Rank > to.Rank) return false;
        for (int i = 1; i <= from.Rank; i++)
            if (from[^i] != to[^i] && from[^i] != 1) return false;
        return true;
    }

    /// <summary>
    /// Marks <paramref name="copy"/>, the output of <paramref name="op"/>, as a copy where PyTorch's op gives a view
    /// (Narrow past the first axis, Transpose, BroadcastTo): writing into it would leave the source unchanged, so the
    /// in-place writers refuse it.
    /// </summary>
    private static Tensor MarkedCopy(Tensor copy, string op)
    {
        copy._copiedBy = op;
        return copy;
    }

    /// <summary>Takes this tensor's storage as its own (a leaf given a gradient): in-place writes into it are meant.</summary>
    private void OwnCopy() => (_owner ?? this)._copiedBy = null;

    /// <summary>Notes an in-place write made outside these methods (an optimizer's step on a parameter's data).</summary>
    internal void StampInPlaceWrite() => (_owner ?? this)._writtenAt = Interlocked.Increment(ref s_inPlaceWrites);

    /// <summary>
    /// Refuses, before any gradient is written, a backward pass through an op one of whose inputs was overwritten in
    /// place after the op ran (its rule would use the new values).
    /// </summary>
    private static void ThrowIfOverwrittenSinceRecorded(List<Tensor> order)
    {
        if (InPlaceClock == 0) return;
        foreach (var t in order)
            if (t.Node is { } node)
                for (int k = 0; k < node.Inputs.Length; k++)
                    if (node.Inputs[k].WrittenInPlaceAfter(node.WritesBefore))
                        throw new InvalidOperationException(
                            $"Backward: input {k} of the recorded op '{node.Op}' (shape {node.Inputs[k].Shape}) was overwritten in place (CopyFrom, Fill, the element indexer or a Trainer.Step) after the op ran, " +
                            "so its gradient would be computed from the new values. Overwrite tensors after Backward(), or record the forward pass again after writing them. No gradient was written.");
    }
}
