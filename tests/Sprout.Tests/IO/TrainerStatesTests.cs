using Sprout.Init;
using Sprout.IO;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Tests.IO;

/// <summary>Trainer states saved beside the parameters resume training exactly; a file that does not fit changes nothing.</summary>
public sealed class TrainerStatesTests : TemporaryFolderTests
{
    private static Sequential Net() => new() { new Dense(6, Activation.Relu), new BatchNorm(), new Dense(3) };

    private static (Tensor X, Tensor Y)[] Batches()
    {
        Rng.Seed(40);
        return [.. Enumerable.Range(0, 5).Select(_ => (Tensor.RandomUniform(8, 4), Tensor.FromArray([.. Enumerable.Range(0, 8).Select(i => (float)(i % 3))], 8)))];
    }

    private static void Train(Sequential net, Trainer trainer, IEnumerable<(Tensor X, Tensor Y)> batches)
    {
        var loss = new SoftmaxCrossEntropyLoss();
        foreach (var (x, y) in batches)
        {
            using (Sprout.Autograd.Record()) loss.Forward(net.Forward(x), y).Sum().Backward();
            trainer.Step(8);
        }
    }

    public static TheoryData<string> Optimizers() => ["adam", "sgd-momentum", "rmsprop", "adagrad", "adadelta", "adamw"];

    private static Optimizer Make(string name) => name switch
    {
        "adam" => new Adam(0.01f),
        "sgd-momentum" => new Sgd(0.1f, momentum: 0.9f),
        "rmsprop" => new RmsProp(0.01f),
        "adagrad" => new Adagrad(0.1f),
        "adadelta" => new Adadelta(),
        _ => new AdamW(0.01f),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_resumed_run_ends_with_the_same_weights_as_one_that_never_stopped(string optimizer)
    {
        var batches = Batches();
        Rng.Seed(41);
        var net = Net();
        net.Initialize(new Xavier());
        var trainer = new Trainer(net.CollectParams(), Make(optimizer)) { Schedule = new FactorScheduler(baseRate: 0.05f, factor: 0.8f) };
        Train(net, trainer, batches[..3]);
        net.SaveParameters(PathOf("net.safetensors"));
        trainer.SaveStates(PathOf("trainer.safetensors"));
        Train(net, trainer, batches[3..]);

        var resumed = Net();   // deferred: the checkpoint gives every shape
        resumed.LoadParameters(PathOf("net.safetensors"));
        var resumedTrainer = new Trainer(resumed.CollectParams(), Make(optimizer)) { Schedule = new FactorScheduler(baseRate: 0.05f, factor: 0.8f) };
        resumedTrainer.LoadStates(PathOf("trainer.safetensors"));
        Assert.Equal(3, resumedTrainer.Optimizer.StepCount);
        Train(resumed, resumedTrainer, batches[3..]);

        foreach (var (name, p) in net.CollectParams())
            Assert.Equal(p.Data().ToArray(), resumed.CollectParams()[name].Data().ToArray());
        Assert.Equal(trainer.LearningRate, resumedTrainer.LearningRate);
    }

    [Fact]
    public void States_are_stored_under_the_parameter_and_pytorchs_state_names_with_the_step_in_the_metadata()
    {
        Rng.Seed(42);
        var net = Net();
        net.Initialize();
        var trainer = new Trainer(net.CollectParams(), new Adam(0.01f));
        Train(net, trainer, Batches()[..2]);
        trainer.SaveStates(PathOf("adam.safetensors"));
        var tensors = SafeTensors.LoadTensors(PathOf("adam.safetensors"));
        Assert.Contains("0.weight.exp_avg", tensors.Keys);
        Assert.Contains("0.weight.exp_avg_sq", tensors.Keys);
        Assert.DoesNotContain(tensors.Keys, k => k.Contains("running_"));   // buffers are not trained
        Assert.Equal(net.CollectParams()["0.weight"].Shape, tensors["0.weight.exp_avg"].Shape);
        var metadata = SafeTensors.ReadMetadata(PathOf("adam.safetensors"));
        Assert.Equal("2", metadata["step"]);
        Assert.Equal("Adam", metadata["optimizer"]);
    }

    [Fact]
    public void A_file_that_does_not_fit_is_refused_naming_what_disagrees_and_nothing_changes()
    {
        var batches = Batches();
        Rng.Seed(43);
        var net = Net();
        net.Initialize();
        var trainer = new Trainer(net.CollectParams(), new Adam(0.01f));
        Train(net, trainer, batches[..2]);
        trainer.SaveStates(PathOf("adam.safetensors"));

        // Another optimizer type.
        var sgd = new Trainer(net.CollectParams(), new Sgd(0.1f, momentum: 0.9f));
        var type = Assert.Throws<ArgumentException>(() => sgd.LoadStates(PathOf("adam.safetensors")));
        Assert.Contains("Adam", type.Message);
        Assert.Contains("Sgd", type.Message);

        // Another network: a wider first layer. Its trainer after the refused load steps exactly as a twin's that never saw the file.
        Sequential Wider()
        {
            Rng.Seed(44);
            var wider = new Sequential { new Dense(7, Activation.Relu), new BatchNorm(), new Dense(3) };
            wider.Initialize();
            return wider;
        }
        var (other, twin) = (Wider(), Wider());
        var (otherTrainer, twinTrainer) = (new Trainer(other.CollectParams(), new Adam(0.01f)), new Trainer(twin.CollectParams(), new Adam(0.01f)));
        Train(other, otherTrainer, batches[..1]);
        Train(twin, twinTrainer, batches[..1]);
        var mismatch = Assert.Throws<CheckpointMismatchException>(() => otherTrainer.LoadStates(PathOf("adam.safetensors")));
        Assert.Contains("'0.weight.exp_avg' has shape (6, 4), parameter '0.weight' (7, 4)", mismatch.Message);
        Assert.Equal(1, otherTrainer.Optimizer.StepCount);
        Train(other, otherTrainer, batches[1..2]);
        Train(twin, twinTrainer, batches[1..2]);
        foreach (var (name, p) in other.CollectParams()) Assert.Equal(twin.CollectParams()[name].Data().ToArray(), p.Data().ToArray());

        // A parameter file is not a state file.
        net.SaveParameters(PathOf("net.safetensors"));
        var format = Assert.Throws<FormatException>(() => trainer.LoadStates(PathOf("net.safetensors")));
        Assert.Contains("SaveStates", format.Message);

        // States for parameters that are not filled yet.
        var deferred = Net();
        deferred.Initialize();
        var early = Assert.Throws<CheckpointMismatchException>(() => new Trainer(deferred.CollectParams(), new Adam(0.01f)).LoadStates(PathOf("adam.safetensors")));
        Assert.Contains("not filled yet", early.Message);
    }
}
