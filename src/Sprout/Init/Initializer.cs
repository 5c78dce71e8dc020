using Sprout.Nn;

namespace Sprout.Init;

/// <summary>
/// Fills a parameter when its shape is known. The default <see cref="Fill"/> dispatches on the parameter's role, as
/// Gluon does: weights to <see cref="InitWeight"/>, biases and betas to zeros, gammas to ones. Override a role hook,
/// or <see cref="Fill"/> for a scheme that needs the whole <see cref="ParameterInfo"/>. Random numbers come from
/// <see cref="Random"/>, the stream derived from (seed, parameter path), so filling is reproducible.
/// </summary>
public abstract class Initializer
{
    [ThreadStatic] private static ParameterInfo? t_current;

    /// <summary>What <c>Initialize()</c> uses when given no initializer: <c>Uniform(0.07)</c>, as in Gluon.</summary>
    public static Initializer Default { get; } = new Uniform();

    /// <summary>The parameter being filled (valid inside the hooks).</summary>
    protected static ParameterInfo Current => t_current ?? throw new InvalidOperationException(
        "Initializer.Current is only available while a parameter is being filled (inside Fill or a role hook).");

    /// <summary>The reproducible random stream of the parameter being filled.</summary>
    protected static RandomStream Random => Current.Random;

    /// <summary>
    /// Fills <paramref name="data"/>. A parameter's own initializer (<paramref name="ownInitializer"/>: given to its layer,
    /// as <c>biasInitializer: new One()</c>) is called as a weight initializer whatever the role, as Gluon does, so it
    /// fills the parameter as given; the one passed to <c>Initialize</c> dispatches on the role.
    /// </summary>
    internal void Apply(ParameterInfo info, Tensor data, bool ownInitializer = false)
    {
        if (ownInitializer) info = info with { Role = ParameterRole.Weight };
        var previous = t_current;
        t_current = info;
        try { Fill(info, data); }
        finally { t_current = previous; }
    }

    /// <summary>Fills <paramref name="data"/> (already of the parameter's final shape) for <paramref name="info"/>.</summary>
    protected virtual void Fill(ParameterInfo info, Tensor data)
    {
        switch (info.Role)
        {
            case ParameterRole.Bias: InitBias(info.Path, data); break;
            case ParameterRole.Gamma: InitGamma(info.Path, data); break;
            case ParameterRole.Beta: InitBeta(info.Path, data); break;
            case ParameterRole.RunningMean: data.AsSpan().Clear(); break;
            case ParameterRole.RunningVar: data.AsSpan().Fill(1f); break;
            default: InitWeight(info.Path, data); break;
        }
    }

    /// <summary>Fills a weight; <paramref name="name"/> is its structural path (<c>0.weight</c>).</summary>
    protected abstract void InitWeight(string name, Tensor data);

    /// <summary>Fills a bias; zeros by default.</summary>
    protected virtual void InitBias(string name, Tensor data) => data.AsSpan().Clear();

    /// <summary>Fills a normalization scale (gamma); ones by default.</summary>
    protected virtual void InitGamma(string name, Tensor data) => data.AsSpan().Fill(1f);

    /// <summary>Fills a normalization shift (beta); zeros by default.</summary>
    protected virtual void InitBeta(string name, Tensor data) => data.AsSpan().Clear();

    /// <inheritdoc/>
    public override string ToString() => GetType().Name;
}
