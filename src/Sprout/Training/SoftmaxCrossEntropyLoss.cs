using System.Numerics.Tensors;

namespace Sprout.Training;

/// <summary>
/// −log softmax(logits)[label] per sample, computed stably through log-sum-exp in one fused pass.
/// Labels are class indices (N,) or one-hot / probability rows (N, C). Backward: (softmax − target)·g.
/// </summary>
public sealed class SoftmaxCrossEntropyLoss : Loss
{
    protected override Tensor Compute(Tensor logits, Tensor label)
    {
        if (logits.Rank != 2)
            throw new ArgumentException($"SoftmaxCrossEntropyLoss expects logits of shape (N, classes); got {logits.Shape}. Flatten them first.", nameof(logits));
        int n = logits.Shape[0], c = logits.Shape[1];
        bool sparse = label.Rank == 1 || (label.Rank == 2 && label.Shape[1] == 1 && c > 1);
        if (sparse && label.Length != n)
            throw new ArgumentException($"SoftmaxCrossEntropyLoss: {label.Length} labels (shape {label.Shape}) for {n} samples (logits {logits.Shape}).", nameof(label));
        if (!sparse && label.Shape != logits.Shape)
            throw new ArgumentException($"SoftmaxCrossEntropyLoss: one-hot labels of shape {label.Shape} do not match logits of shape {logits.Shape}.", nameof(label));
        var loss = Tensor.Empty(new Shape(n), logits.IsMeta || label.IsMeta);
        if (loss.IsMeta) return loss;

        var probabilities = Tensor.Uninitialized(logits.Shape);
        if (sparse)
        {
            var classes = ClassIndices(label.Span, c);
            SparseRows(logits.Span, classes, c, probabilities.AsSpan(), loss.AsSpan());
            if (Tensor.Wants(logits)) SparseBackward(loss, logits, probabilities, classes);
            return loss;
        }
        var x = logits.Span; var t = label.Span; var p = probabilities.AsSpan(); var l = loss.AsSpan();
        for (int i = 0; i < n; i++)
        {
            var row = x.Slice(i * c, c); var prow = p.Slice(i * c, c);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, prow);
            TensorPrimitives.Exp(prow, prow);
            float sum = TensorPrimitives.Sum(prow);
            float logSumExp = max + MathF.Log(sum);
            // −Σ t·(x − logsumexp) = logsumexp·Σt − Σ t·x
            l[i] = logSumExp * TensorPrimitives.Sum(t.Slice(i * c, c)) - TensorPrimitives.Dot(t.Slice(i * c, c), row);
            TensorPrimitives.Multiply(prow, 1f / sum, prow);
        }
        if (Tensor.Wants(logits)) Backward(loss, logits, probabilities, label);
        return loss;
    }

    /// <summary>
    /// Class-index labels, row by row in one pass each way: loss = logsumexp(x) − x[label], p = softmax(x). A
    /// classifier has few classes, so plain loops beat vector calls on 10-element rows.
    /// </summary>
    private static void SparseRows(ReadOnlySpan<float> x, int[] classes, int c, Span<float> p, Span<float> l)
    {
        for (int i = 0; i < classes.Length; i++)
        {
            var row = x.Slice(i * c, c); var prow = p.Slice(i * c, c);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            float sum = 0f;
            for (int j = 0; j < c; j++) sum += prow[j] = MathF.Exp(row[j] - max);
            l[i] = max + MathF.Log(sum) - row[classes[i]];
            float scale = 1f / sum;
            for (int j = 0; j < c; j++) prow[j] *= scale;
        }
    }

    /// <summary>d loss / d logits = (softmax − one-hot(label))·g, in one pass.</summary>
    private static void SparseBackward(Tensor loss, Tensor logits, Tensor probabilities, int[] classes) =>
        loss.Record("SoftmaxCrossEntropy", logits, g =>
        {
            int c = probabilities.Shape[1];
            var dx = Tensor.Uninitialized(probabilities.Shape);
            var p = probabilities.Span; var d = dx.AsSpan(); var gs = g.Span;
            for (int i = 0; i < classes.Length; i++)
            {
                float gi = gs[i];
                for (int j = 0; j < c; j++) d[i * c + j] = p[i * c + j] * gi;
                d[i * c + classes[i]] -= gi;
            }
            return dx;
        });

    private static void Backward(Tensor loss, Tensor logits, Tensor probabilities, Tensor target) =>
        loss.Record("SoftmaxCrossEntropy", logits, g => (probabilities - target) * g.Reshape(g.Length, 1));

    /// <summary>The labels as class indices, each checked to be a whole number in 0..c−1.</summary>
    private static int[] ClassIndices(ReadOnlySpan<float> labels, int c)
    {
        var classes = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            float v = labels[i];
            int k = (int)v;
            if (k != v || k < 0 || k >= c)
                throw new ArgumentException($"SoftmaxCrossEntropyLoss: label {v} of sample {i} is not a class index in 0..{c - 1}.");
            classes[i] = k;
        }
        return classes;
    }
}
