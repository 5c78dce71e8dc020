using System.Numerics.Tensors;

namespace Sprout.Training;

/// <summary>Adagrad (Duchi et al.; the book's): s ← s + g², w ← w − η·g/√(s + ε); L2 weight decay adds λw to g.</summary>
public sealed class Adagrad(float learningRate = 0.01f, float epsilon = 1e-6f, float weightDecay = 0f) : Optimizer(learningRate, weightDecay)
{
    /// <summary>Added to s under the square root.</summary>
    public float Epsilon { get; } = epsilon > 0 ? epsilon : throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected epsilon > 0.");

    /// <inheritdoc/>
    protected internal override IReadOnlyList<string> StateNames => ["sum"];

    /// <inheritdoc/>
    protected override float[][] CreateState(int length) => [new float[length], new float[length]];

    /// <inheritdoc/>
    protected override void Update(Span<float> weight, Span<float> grad, float[][] state)
    {
        if (ParameterWeightDecay > 0) TensorPrimitives.MultiplyAdd(weight, ParameterWeightDecay, grad, grad);
        Span<float> s = state[0], scratch = state[1];
        TensorPrimitives.MultiplyAdd(grad, grad, s, s);
        AdaptiveStep(weight, grad, s, scratch, ParameterLearningRate, Epsilon);
    }

    /// <summary>w ← w − η·g/√(s + ε), through <paramref name="scratch"/>.</summary>
    internal static void AdaptiveStep(Span<float> weight, ReadOnlySpan<float> grad, ReadOnlySpan<float> s, Span<float> scratch, float rate, float epsilon)
    {
        TensorPrimitives.Add(s, epsilon, scratch);
        TensorPrimitives.Sqrt(scratch, scratch);
        TensorPrimitives.Divide(grad, scratch, scratch);
        TensorPrimitives.MultiplyAdd(scratch, -rate, weight, weight);
    }
}
