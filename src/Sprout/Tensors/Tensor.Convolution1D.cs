namespace Sprout;

// 1-D convolution and pooling over (N, C, L), as rows of height 1 through the 2-D kernels: the reshapes are views and
// are recorded, so the gradients are the 2-D ones.
public sealed partial class Tensor
{
    /// <summary>
    /// Cross-correlation of x (N, C, L) with weight (O, C/groups, k), plus bias (O), → (N, O, Lo) with
    /// Lo = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1 (PyTorch's <c>conv1d</c>).
    /// </summary>
    public static Tensor Conv1D(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 3)
            throw new ArgumentException($"Conv1D expects an input of shape (N, C, L); got {x.Shape} (rank {x.Rank}).", nameof(x));
        if (weight.Rank != 3)
            throw new ArgumentException($"Conv1D expects a weight of shape (out, in/groups, k), PyTorch's layout; got {weight.Shape}.", nameof(weight));
        var y = Conv2D(AsRows(x), weight.Reshape(weight.Shape[0], weight.Shape[1], 1, weight.Shape[2]), bias,
            new Size2(1, stride), new Size2(0, padding), new Size2(1, dilation), groups);
        return FromRows(y);
    }

    /// <summary>The maximum of each window of <paramref name="poolSize"/> along L of (N, C, L).</summary>
    public static Tensor MaxPool1D(Tensor x, int poolSize, int stride, int padding = 0, bool ceilMode = false) =>
        FromRows(MaxPool2D(AsRows(x, "MaxPool1D"), new Size2(1, poolSize), new Size2(1, stride), new Size2(0, padding), ceilMode));

    /// <summary>The mean of each window of <paramref name="poolSize"/> along L of (N, C, L) (padding counts as zeros).</summary>
    public static Tensor AvgPool1D(Tensor x, int poolSize, int stride, int padding = 0, bool ceilMode = false) =>
        FromRows(AvgPool2D(AsRows(x, "AvgPool1D"), new Size2(1, poolSize), new Size2(1, stride), new Size2(0, padding), ceilMode));

    /// <summary>(N, C, L) as (N, C, 1, L), a view.</summary>
    private static Tensor AsRows(Tensor x, string op = "Conv1D")
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 3)
            throw new ArgumentException($"{op} expects an input of shape (N, C, L); got {x.Shape} (rank {x.Rank}).", nameof(x));
        return x.Reshape(x.Shape[0], x.Shape[1], 1, x.Shape[2]);
    }

    private static Tensor FromRows(Tensor y) => y.Reshape(y.Shape[0], y.Shape[1], y.Shape[3]);
}
