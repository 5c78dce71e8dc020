using Sprout.Init;

namespace Sprout.Tests.Nn;

/// <summary>The chapter's MyInit, recording instead of printing: which weight was filled, with what shape.</summary>
internal sealed class RecordingInit : Initializer
{
    public List<(string Name, Shape Shape)> Calls { get; } = [];

    protected override void InitWeight(string name, Tensor data)
    {
        lock (Calls) Calls.Add((name, data.Shape));
        data.AsSpan().Fill(0.5f);
    }
}
