using System.Numerics.Tensors;

namespace Sprout.Kernels;

/// <summary>
/// Row-wise softmax cross-entropy: for each row x of C logits, p = softmax(x) and loss = logsumexp(x) − (target·x),
/// with the maximum subtracted first for stability. Class-index rows take plain loops (a classifier's rows are short,
/// where vector calls cost more than they save); probability rows take vector calls.
/// </summary>
internal static class SoftmaxRows
{
    /// <summary>y = softmax(x) for each row of <paramref name="n"/> values: max, exp of the shifted row, one scale.</summary>
    public static void Forward(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        for (int r = 0; r < x.Length; r += n)
        {
            var row = x.Slice(r, n); var target = y.Slice(r, n);
            TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), target);
            TensorPrimitives.Exp(target, target);
            TensorPrimitives.Multiply(target, 1f / TensorPrimitives.Sum(target), target);
        }
    }

    /// <summary>dx = y ⊙ (g − Σ g⊙y) for each row of <paramref name="n"/> values.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, int n, Span<float> dx)
    {
        for (int r = 0; r < y.Length; r += n)
        {
            var yr = y.Slice(r, n); var d = dx.Slice(r, n);
            TensorPrimitives.Subtract(g.Slice(r, n), TensorPrimitives.Dot(g.Slice(r, n), yr), d);
            TensorPrimitives.Multiply(d, yr, d);
        }
    }

    /// <summary>Class-index targets: loss[i] = logsumexp(x_i) − x_i[class_i]; p_i = softmax(x_i).</summary>
    public static void CrossEntropyWithClasses(ReadOnlySpan<float> x, ReadOnlySpan<int> classes, int c, Span<float> p, Span<float> loss)
    {
        for (int i = 0; i < classes.Length; i++)
        {
            var row = x.Slice(i * c, c); var prow = p.Slice(i * c, c);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            float sum = 0f;
            for (int j = 0; j < c; j++) sum += prow[j] = MathF.Exp(row[j] - max);
            loss[i] = max + MathF.Log(sum) - row[classes[i]];
            float scale = 1f / sum;
            for (int j = 0; j < c; j++) prow[j] *= scale;
        }
    }

    /// <summary>Probability targets t: loss[i] = logsumexp(x_i)·Σt_i − t_i·x_i; p_i = softmax(x_i).</summary>
    public static void CrossEntropyWithProbabilities(ReadOnlySpan<float> x, ReadOnlySpan<float> t, int c, Span<float> p, Span<float> loss)
    {
        for (int i = 0; i < loss.Length; i++)
        {
            var row = x.Slice(i * c, c); var prow = p.Slice(i * c, c); var trow = t.Slice(i * c, c);
            float max = TensorPrimitives.Max(row);
            TensorPrimitives.Subtract(row, max, prow);
            TensorPrimitives.Exp(prow, prow);
            float sum = TensorPrimitives.Sum(prow);
            loss[i] = (max + MathF.Log(sum)) * TensorPrimitives.Sum(trow) - TensorPrimitives.Dot(trow, row);
            TensorPrimitives.Multiply(prow, 1f / sum, prow);
        }
    }

    /// <summary>d loss / d x = (p − one-hot(class))·g per row, in one pass.</summary>
    public static void CrossEntropyWithClassesGradient(ReadOnlySpan<float> p, ReadOnlySpan<int> classes, ReadOnlySpan<float> g, int c, Span<float> dx)
    {
        for (int i = 0; i < classes.Length; i++)
        {
            float gi = g[i];
            for (int j = 0; j < c; j++) dx[i * c + j] = p[i * c + j] * gi;
            dx[i * c + classes[i]] -= gi;
        }
    }
}
