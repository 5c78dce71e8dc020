using System.Globalization;
using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// Transposed 2-D convolution ("deconvolution", Gluon's <c>Conv2DTranspose</c>, PyTorch's <c>ConvTranspose2d</c>):
/// y = act(Wᵀ ⋆ x + b); (N, C, H, W) → (N, channels, Ho, Wo), Ho = (H − 1)s − 2p + d(k − 1) + outputPadding + 1. It
/// enlarges feature maps, as the book's fully convolutional network (14.11) and GAN generators use it. Leave
/// <c>inChannels</c> out and it is inferred from C of the first input. Weight (C, channels/groups, kh, kw), PyTorch's
/// and ONNX's layout.
/// </summary>
public sealed class Conv2DTranspose : Block
{
    /// <summary>
    /// A transposed convolution making <paramref name="channels"/> output channels; <paramref name="outputPadding"/>
    /// (below the stride) adds rows and columns at the end, choosing among the output sizes a strided convolution maps
    /// back from; <paramref name="inChannels"/> left out is inferred from the first input.
    /// </summary>
    public Conv2DTranspose(int channels, Size2 kernelSize, Size2? strides = null, Size2? padding = null, Size2? outputPadding = null,
                           Size2? dilation = null, int groups = 1, int inChannels = Shape.Unknown, Activation activation = Activation.None,
                           bool useBias = true, Initializer? weightInitializer = null, Initializer? biasInitializer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (kernelSize.H <= 0 || kernelSize.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "Expected a positive kernel size.");
        if (channels % groups != 0)
            throw new ArgumentException($"Conv2DTranspose: {channels} output channels are not divisible by groups={groups}; give a multiple of {groups}.", nameof(groups));
        if (inChannels != Shape.Unknown && (inChannels <= 0 || inChannels % groups != 0))
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, $"Expected a positive input channel count divisible by groups={groups}, or leave it out to infer it.");
        Size2Checks.Positive(strides ?? 1, nameof(strides));
        Size2Checks.NonNegative(padding ?? 0, nameof(padding));
        Size2Checks.NonNegative(outputPadding ?? 0, nameof(outputPadding));
        Size2Checks.Positive(dilation ?? 1, nameof(dilation));
        (Channels, KernelSize, Strides, Padding, OutputPadding, Dilation, Groups, Activation) =
            (channels, kernelSize, strides ?? 1, padding ?? 0, outputPadding ?? 0, dilation ?? 1, groups, activation);
        if (OutputPadding.H >= Strides.H || OutputPadding.W >= Strides.W)
            throw new ArgumentOutOfRangeException(nameof(outputPadding), outputPadding,
                $"Conv2DTranspose: output padding {OutputPadding} must be below the stride {Strides} (it picks one of the stride's possible output sizes).");
        AddParameter("weight", new Shape(inChannels, channels / groups, kernelSize.H, kernelSize.W), weightInitializer);
        if (useBias) AddParameter("bias", new Shape(channels), biasInitializer);
    }

    /// <summary>Output channels.</summary>
    public int Channels { get; }
    /// <summary>The window (height, width).</summary>
    public Size2 KernelSize { get; }
    /// <summary>The step between the copies of the window the input pixels make.</summary>
    public Size2 Strides { get; }
    /// <summary>Rows and columns removed from each side of the output.</summary>
    public Size2 Padding { get; }
    /// <summary>Rows and columns added at the end of the output.</summary>
    public Size2 OutputPadding { get; }
    /// <summary>The spacing of the window's taps.</summary>
    public Size2 Dilation { get; }
    /// <summary>Channel groups handled separately.</summary>
    public int Groups { get; }
    /// <summary>Applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>(inChannels, channels/groups, kh, kw), PyTorch's layout.</summary>
    public Parameter Weight => Param("weight");
    /// <summary>(channels), or null when created with <c>useBias: false</c>.</summary>
    public Parameter? Bias => OptionalParam("bias");

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank != 4)
            throw new ArgumentException(
                $"Conv2DTranspose at '{CurrentPathOrRoot}' expects an input of shape (N, C, H, W); got {x.Shape} (rank {x.Rank}). Reshape feature maps to four axes.", nameof(x));
        if (x.Shape[1] % Groups != 0)
            throw new ArgumentException(
                $"Conv2DTranspose at '{CurrentPathOrRoot}': {x.Shape[1]} input channels (input {x.Shape}) are not divisible by groups={Groups}. " +
                $"Give the layer groups that divide {x.Shape[1]}, or make the layer before it produce a multiple of {Groups} channels.", nameof(x));
        RefineShape(Weight, new Shape(x.Shape[1], Channels / Groups, KernelSize.H, KernelSize.W), x, "input channels (dimension 1 of its input)");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        try
        {
            return Activation.Apply(Tensor.Conv2DTranspose(x, Weight.Data(), Bias?.Data(), Strides, Padding, OutputPadding, Dilation, Groups));
        }
        catch (ArgumentException e) when (e is not ShapeMismatchException)
        {
            throw new ArgumentException($"Conv2DTranspose at '{CurrentPathOrRoot}' cannot take the input of shape {x.Shape} that reached it: {InnerReason.Of(e)}", nameof(x), e);
        }
    }

    internal override FeatureFlow Flow => new(FeatureAxis.Channels, Weight.Shape[0], Channels);

    /// <inheritdoc/>
    protected override string Describe()
    {
        string c = Weight.Shape[0] == Shape.Unknown ? "None" : Weight.Shape[0].ToString(CultureInfo.InvariantCulture);
        return $"Conv2DTranspose({c} -> {Channels}, kernel_size={KernelSize}, stride={Strides}, padding={Padding}" +
            $"{(OutputPadding != new Size2(0, 0) ? $", output_padding={OutputPadding}" : "")}{(Groups > 1 ? $", groups={Groups}" : "")}, {Activation.Describe()})";
    }
}
