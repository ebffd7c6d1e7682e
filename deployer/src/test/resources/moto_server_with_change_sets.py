"""moto_server, with CloudFormation change sets executed the way CloudFormation executes them.

moto 5.2's ExecuteChangeSet applies a change set's resources but then marks the stack complete
at once (without waiting for custom resources to answer), keeps the parameters and outputs of
the empty REVIEW_IN_PROGRESS stack, and records no per-stack state for updates. The deployer
watches exactly those things, so this launcher gives ExecuteChangeSet CreateStack's and
UpdateStack's own behaviour (moto code paths, not new emulation) and then runs moto_server.

It also shows a stack's outputs only once the stack is no longer in progress, as CloudFormation
does: moto evaluates outputs lazily, and a DescribeStacks during creation would otherwise create
a resource that an output's GetAtt names (a custom resource, say) a second time.

It also lets a template hold AWS::SecretsManager::Secret, which moto 5.2's CloudFormation does
not know (see CloudFormationSecret below).

Usage: python3 moto_server_with_change_sets.py -H 127.0.0.1 -p PORT
"""
import json
import secrets as random_values

from moto.core.common_models import CloudFormationModel
from moto.secretsmanager.models import secretsmanager_backends
from moto.cloudformation import models
from moto.ssm import models as ssm_models
from moto.ssm.exceptions import ParameterAlreadyExists
from moto.server import main


def _find(backend, change_set_name):
    if change_set_name in backend.change_sets:
        return backend.change_sets[change_set_name]
    for change_set in backend.change_sets.values():
        if change_set.change_set_name == change_set_name:
            return change_set
    raise models.ValidationError(change_set_name)


def execute_change_set(self, change_set_name, stack_name=None):
    change_set = _find(self, change_set_name)
    stack = self.stacks[change_set.stack_id]
    if change_set.change_set_type == "CREATE":
        # What create_stack does: resources from the template, custom resources awaited.
        stack.template = change_set.template
        stack._parse_template()
        stack.parameters = change_set.parameters
        # ResourceMap.load() validates the outputs by evaluating them, which creates every
        # resource an output names before the creation loop does (a second custom resource, a
        # second SSM parameter): build the map without them, evaluate them once complete.
        template = stack.template_dict
        stack.template_dict = {key: value for key, value in template.items() if key != "Outputs"}
        stack.resource_map = stack._create_resource_map()
        stack.template_dict = template
        stack.output_map = stack._create_output_map()
        stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.create_resources()
    else:
        # What update_stack does, parameters and outputs included.
        stack.update(change_set.template, parameters=change_set.parameters, tags=change_set.tags or None)
    change_set.execution_status = "EXECUTE_COMPLETE"


models.CloudFormationBackend.execute_change_set = execute_change_set

def verify_readiness(self):
    # moto can hold two objects for one custom resource (one in the stack's resource map, one
    # registered when it was created again); the answer lands on the registered one. Make the
    # map hold the answered object, then check, so that the stack completes and its GetAtt
    # outputs read the answer's Data.
    for logical_id, custom in self.custom_resources.items():
        self.resource_map._parsed_resources[logical_id] = custom
    if self.resource_map.creation_complete():
        self.mark_creation_complete()


models.Stack.verify_readiness = verify_readiness

_outputs = models.Stack.outputs.fget


def outputs(self):
    if self.status.endswith("IN_PROGRESS"):
        return None
    return _outputs(self)


models.Stack.outputs = property(outputs)

# moto can still create one of a template's resources twice (the path was not found; see the
# deployer's notes): for a named SSM parameter the second creation fails with
# ParameterAlreadyExists and fails the stack. CloudFormation creates each resource once, so the
# second creation here takes the one the first made.
_create_parameter = ssm_models.Parameter.create_from_cloudformation_json.__func__


def create_parameter_once(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    try:
        return _create_parameter(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    except ParameterAlreadyExists:
        name = cloudformation_json["Properties"].get("Name")
        return ssm_models.ssm_backends[account_id][region_name].get_parameter(name)


ssm_models.Parameter.create_from_cloudformation_json = classmethod(create_parameter_once)


class CloudFormationSecret(CloudFormationModel):
    """AWS::SecretsManager::Secret in moto's own Secrets Manager, as the CloudFormation template
    reference (AWS::SecretsManager::Secret) describes it: Ref returns the secret's ARN; without a
    Name, CloudFormation names it after the stack and logical id; GenerateSecretString makes a
    random value, put under GenerateStringKey into the SecretStringTemplate JSON when one is given.
    A delete removes the secret (DeletionPolicy Retain keeps it: moto's stack delete skips those)."""

    # moto files every model under the service its module names.
    __module__ = "moto.secretsmanager.cloudformation"

    def __init__(self, arn):
        self.arn = arn

    @property
    def physical_resource_id(self):
        return self.arn

    @staticmethod
    def cloudformation_name_type():
        return "Name"

    @staticmethod
    def cloudformation_type():
        return "AWS::SecretsManager::Secret"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json.get("Properties", {})
        value = properties.get("SecretString")
        generate = properties.get("GenerateSecretString")
        if generate is not None:
            generated = random_values.token_urlsafe(int(generate.get("PasswordLength", 32)))[: int(generate.get("PasswordLength", 32))]
            if "SecretStringTemplate" in generate:
                document = json.loads(generate["SecretStringTemplate"])
                document[generate["GenerateStringKey"]] = generated
                value = json.dumps(document)
            else:
                value = generated
        created = secretsmanager_backends[account_id][region_name].create_secret(
            name=properties.get("Name", resource_name), secret_string=value, secret_binary=None,
            description=properties.get("Description"), tags=None, kms_key_id=None, client_request_token=None,
            replica_regions=[], force_overwrite=False)
        return cls(json.loads(created)["ARN"])

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        secretsmanager_backends[account_id][region_name].delete_secret(
            secret_id=resource_name, recovery_window_in_days=None, force_delete_without_recovery=True)


if __name__ == "__main__":
    main()
