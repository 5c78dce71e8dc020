using System.Globalization;
using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// 2-D convolution: y = act(W ⋆ x + b); (N, C, H, W) → (N, channels, Ho, Wo), Ho = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1.
/// Leave <c>inChannels</c> out and it is inferred from C of the first input. Weight (channels, C/groups, kh, kw) as in PyTorch.
/// </summary>
public sealed class Conv2D : Block
{
    /// <summary>A convolution with <paramref name="channels"/> output channels and the given window; <paramref name="inChannels"/> left out is inferred from the first input.</summary>
    public Conv2D(int channels, Size2 kernelSize, Size2? strides = null, Size2? padding = null, Size2? dilation = null, int groups = 1,
                  int inChannels = Shape.Unknown, Activation activation = Activation.None, bool useBias = true,
                  Initializer? weightInitializer = null, Initializer? biasInitializer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (kernelSize.H <= 0 || kernelSize.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Expected a positive kernel size.");
        if (channels % groups != 0)
            throw new ArgumentException(
                $"Conv2D: {channels} output channels are not divisible by groups={groups}: each group makes the same number of channels. " +
                $"Give a channel count that {groups} divides (such as {channels / groups * groups + groups}), or groups that divide {channels} ({Divisors(channels)}).", nameof(groups));
        if (inChannels != Shape.Unknown && (inChannels <= 0 || inChannels % groups != 0))
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, $"Expected a positive input channel count divisible by groups={groups}, or leave it out to infer it.");
        Size2Checks.Positive(strides ?? 1, nameof(strides));
        Size2Checks.NonNegative(padding ?? 0, nameof(padding));
        Size2Checks.Positive(dilation ?? 1, nameof(dilation));
        (Channels, KernelSize, Strides, Padding, Dilation, Groups, Activation) =
            (channels, kernelSize, strides ?? 1, padding ?? 0, dilation ?? 1, groups, activation);
        int perGroup = inChannels == Shape.Unknown ? Shape.Unknown : inChannels / groups;
        AddParameter("weight", new Shape(channels, perGroup, kernelSize.H, kernelSize.W), weightInitializer);
        if (useBias) AddParameter("bias", new Shape(channels), biasInitializer);
    }

    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>The window (height, width).</summary>
    public Size2 KernelSize { get; }
    /// <summary>The step between windows.</summary>
    public Size2 Strides { get; }
    /// <summary>Zeros added on each side.</summary>
    public Size2 Padding { get; }
    /// <summary>The spacing of the window's taps.</summary>
    public Size2 Dilation { get; }
    /// <summary>Channel groups convolved separately.</summary>
    public int Groups { get; }
    /// <summary>Applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>(channels, inChannels/groups, kh, kw), PyTorch's layout.</summary>
    public Parameter Weight => Param("weight");
    /// <summary>(channels), or null when created with <c>useBias: false</c>.</summary>
    public Parameter? Bias => OptionalParam("bias");

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank != 4)
            throw new ArgumentException(
                $"Conv2D at '{CurrentPathOrRoot}' expects an input of shape (N, C, H, W); got {x.Shape} (rank {x.Rank}). " +
                "Reshape a batch of images to four axes, e.g. (N, 1, 28, 28) for grayscale.", nameof(x));
        if (x.Shape[1] % Groups != 0)
            throw new ArgumentException(
                $"Conv2D at '{CurrentPathOrRoot}': {x.Shape[1]} input channels (input {x.Shape}) are not divisible by groups={Groups}: each group reads the same number of channels. " +
                $"Give the layer groups that divide {x.Shape[1]} ({Divisors(x.Shape[1])}), or make the layer before it produce a multiple of {Groups} channels.", nameof(x));
        RefineShape(Weight, new Shape(Channels, x.Shape[1] / Groups, KernelSize.H, KernelSize.W), x, "input channels per group (dimension 1 of its input / groups)");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        try
        {
            var y = Tensor.Conv2D(x, Weight.Data(), Bias?.Data(), Strides, Padding, Dilation, Groups, Activation.ToPointwise());
            return Activation.IsFused() ? y : Activation.Apply(y);
        }
        catch (ArgumentException e) when (e is not ShapeMismatchException)
        {
            throw new ArgumentException($"Conv2D at '{CurrentPathOrRoot}' cannot take the input of shape {x.Shape} that reached it: {InnerReason.Of(e)}", nameof(x), e);
        }
    }

    internal override FeatureFlow Flow =>
        new(FeatureAxis.Channels, Weight.Shape[1] == Shape.Unknown ? Shape.Unknown : Weight.Shape[1] * Groups, Weight.Shape[0]);

    /// <inheritdoc/>
    protected override string Describe()
    {
        int inChannels = Weight.Shape[1] == Shape.Unknown ? Shape.Unknown : Weight.Shape[1] * Groups;
        string c = inChannels == Shape.Unknown ? "None" : inChannels.ToString(CultureInfo.InvariantCulture);
        return $"Conv2D({c} -> {Channels}, kernel_size={KernelSize}, stride={Strides}, padding={Padding}{(Groups > 1 ? $", groups={Groups}" : "")}, {Activation.Describe()})";
    }

    /// <summary>The divisors of <paramref name="n"/> up to 8 of them, for a message: "1, 2, 3, 5, 6, 10, 15, 30".</summary>
    private static string Divisors(int n)
    {
        var all = Enumerable.Range(1, n).Where(d => n % d == 0).ToList();
        return all.Count <= 8 ? string.Join(", ", all) : string.Join(", ", all.Take(7)) + ", …, " + n;
    }
}
