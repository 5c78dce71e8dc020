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

        var target = sparse ? OneHot(label.Span, n, c) : label;
        var probabilities = new Tensor(logits.Shape);
        var x = logits.Span; var t = target.Span; var p = probabilities.AsSpan(); var l = loss.AsSpan();
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
        if (Tensor.Wants(logits)) Backward(loss, logits, probabilities, target);
        return loss;
    }

    private static void Backward(Tensor loss, Tensor logits, Tensor probabilities, Tensor target) =>
        loss.Record("SoftmaxCrossEntropy", logits, g => (probabilities - target) * g.Reshape(g.Length, 1));

    private static Tensor OneHot(ReadOnlySpan<float> labels, int n, int c)
    {
        var t = new Tensor(new Shape(n, c));
        var s = t.AsSpan();
        for (int i = 0; i < n; i++)
        {
            float v = labels[i];
            int k = (int)v;
            if (k != v || k < 0 || k >= c)
                throw new ArgumentException($"SoftmaxCrossEntropyLoss: label {v} of sample {i} is not a class index in 0..{c - 1}.");
            s[i * c + k] = 1f;
        }
        return t;
    }
}
