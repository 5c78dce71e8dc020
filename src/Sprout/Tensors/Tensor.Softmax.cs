using Sprout.Kernels;

namespace Sprout;

// Softmax and log-softmax over an axis, made stable by subtracting the maximum first (softmax is invariant to
// that shift, so the maximum needs no gradient). Softmax over the last axis (attention's) is one op over rows with its
// own backward, dx = y ⊙ (g − Σ g⊙y) per row; other axes and log-softmax are composed from differentiable ops.
public sealed partial class Tensor
{
    /// <summary>exp(x − max) / Σ exp(x − max) along <paramref name="axis"/>.</summary>
    public Tensor Softmax(int axis = -1)
    {
        if (Rank > 0 && Shape.NormalizeAxis(axis) == Rank - 1) return SoftmaxLastAxis();
        var e = ShiftedByMax(axis).Exp();
        return e / e.Sum(axis, keepDims: true);
    }

    private Tensor SoftmaxLastAxis()
    {
        var y = EmptyForOverwrite(Shape, IsMeta);
        if (y.IsMeta) return y;
        int n = Shape[^1], rows = Length / n;
        var (x, xo, ya) = (Storage!, _offset, y.Storage!);
        WorkerPool.ForRanges(rows, (long)Length * 4, (r0, r1) => SoftmaxRows.Forward(x.AsSpan(xo + r0 * n, (r1 - r0) * n), n, ya.AsSpan(r0 * n, (r1 - r0) * n)));
        if (Wants(this)) y.Record("Softmax", this, g =>
        {
            var dx = Uninitialized(Shape);
            var (ga, go, da) = (g.Storage!, g._offset, dx.Storage!);
            WorkerPool.ForRanges(rows, (long)Length * 3, (r0, r1) =>
                SoftmaxRows.Backward(ya.AsSpan(r0 * n, (r1 - r0) * n), ga.AsSpan(go + r0 * n, (r1 - r0) * n), n, da.AsSpan(r0 * n, (r1 - r0) * n)));
            return dx;
        });
        return y;
    }

    /// <summary>(x − max) − log Σ exp(x − max) along <paramref name="axis"/>: finite even for inputs of ±1000.</summary>
    public Tensor LogSoftmax(int axis = -1)
    {
        var shifted = ShiftedByMax(axis);
        return shifted - shifted.Exp().Sum(axis, keepDims: true).Log();
    }

    private Tensor ShiftedByMax(int axis)
    {
        Shape.NormalizeAxis(axis);
        return this - Max(axis, keepDims: true).Detach();
    }

    /// <summary>
    /// −log softmax(logits)[label] per row, (N, C) → (N,), in one fused pass: labels are class indices (N,) or (N, 1), or
    /// probability rows (N, C). Backward: (softmax − target)·g, from the probabilities kept by the forward pass.
    /// </summary>
    public static Tensor SoftmaxCrossEntropy(Tensor logits, Tensor label)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(label);
        if (logits.Rank != 2)
            throw new ArgumentException($"SoftmaxCrossEntropy expects logits of shape (N, classes); got {logits.Shape}. Flatten them first.", nameof(logits));
        int n = logits.Shape[0], c = logits.Shape[1];
        bool classes = label.Rank == 1 || (label.Rank == 2 && label.Shape[1] == 1 && c > 1);
        if (classes && label.Length != n)
            throw new ArgumentException($"SoftmaxCrossEntropy: {label.Length} labels (shape {label.Shape}) for {n} samples (logits {logits.Shape}).", nameof(label));
        if (!classes && label.Shape != logits.Shape)
            throw new ArgumentException($"SoftmaxCrossEntropy: one-hot labels of shape {label.Shape} do not match logits of shape {logits.Shape}.", nameof(label));
        var loss = Empty(new Shape(n), logits.IsMeta || label.IsMeta);
        if (loss.IsMeta) return loss;
        var probabilities = Uninitialized(logits.Shape);
        if (classes)
        {
            var indices = ClassIndices(label.Span, c);
            SoftmaxRows.CrossEntropyWithClasses(logits.Span, indices, c, probabilities.AsSpan(), loss.AsSpan());
            if (Wants(logits))
                loss.Record("SoftmaxCrossEntropy", logits, g =>
                {
                    var dx = Uninitialized(probabilities.Shape);
                    SoftmaxRows.CrossEntropyWithClassesGradient(probabilities.Span, indices, g.Span, c, dx.AsSpan());
                    return dx;
                });
            return loss;
        }
        SoftmaxRows.CrossEntropyWithProbabilities(logits.Span, label.Span, c, probabilities.AsSpan(), loss.AsSpan());
        if (Wants(logits)) loss.Record("SoftmaxCrossEntropy", logits, g => (probabilities - label) * g.Reshape(g.Length, 1));
        return loss;
    }

    /// <summary>The labels as class indices, each checked to be a whole number in 0..c−1.</summary>
    private static int[] ClassIndices(ReadOnlySpan<float> labels, int c)
    {
        var classes = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            float v = labels[i];
            int k = (int)v;
            if (k != v || k < 0 || k >= c)
                throw new ArgumentException($"SoftmaxCrossEntropy: label {v} of sample {i} is not a class index in 0..{c - 1}.", nameof(labels));
            classes[i] = k;
        }
        return classes;
    }
}
