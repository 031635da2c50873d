"""What the audit trail's actions and objects are called: the page shows these labels, never the keys the
trail stores (``decline_termination``, ``user_account``)."""
from __future__ import annotations

from flask_babel import gettext as _

from portal.i18n import N_

ACTIONS = {
    "accept_submission": N_("受理报送"), "add_staff_member": N_("添加驻点人员"), "answer_objection": N_("答复异议"),
    "answer_rectification_notice": N_("答复整改通知"), "approve_assessment": N_("审批考核"),
    "approve_station_application": N_("批准站点申请"), "assessment_entry": N_("录入考核数据"),
    "assessment_entry_removed": N_("删除考核录入"), "cancel_station_qualification": N_("取消站点资格"),
    "change_password": N_("修改密码"), "close_rectification_notice": N_("关闭整改通知"), "close_station": N_("关闭站点"),
    "confirm_termination": N_("确认解除合同"), "create_bureau": N_("新建人社局"), "create_contract": N_("新建合同"),
    "create_operator": N_("新建运营单位"), "create_station": N_("新建站点"),
    "create_station_application": N_("新建站点申请"), "create_user": N_("新建账号"),
    "decline_termination": N_("驳回解除合同提议"), "edit_finding": N_("修改检查记录"), "end_rectification": N_("结束整改"),
    "export_score_sheet": N_("导出考核评分表"), "export_settlement": N_("导出结算单"),
    "grant_station_subsidy": N_("发放站点补助"), "issue_rectification_notice": N_("下发整改通知"),
    "lock_cycle": N_("锁定考核周期"), "login": N_("登录"), "logout": N_("退出登录"), "object": N_("提出异议"),
    "propose_termination": N_("提议解除合同"), "publish": N_("发布公示"), "record_credit_grade": N_("登记信用等级"),
    "record_event": N_("登记活动"), "record_finding": N_("登记检查记录"), "record_payment": N_("登记付款"),
    "remove_staff_member": N_("移除驻点人员"), "reopen_assessment": N_("重新开启考核"),
    "return_assessment": N_("退回考核"), "reverse_payment": N_("冲正付款"),
    "select_excellent_station": N_("评选优秀站点"), "start_rectification": N_("开始整改"),
    "submit_assessment": N_("提交考核"), "submit_attendance": N_("提交考勤"), "submit_report": N_("提交报送"),
    "submit_station_application": N_("提交站点申请"), "terminate_contract": N_("解除合同"), "update_user": N_("修改账号"),
    "upload_application_roster": N_("上传申请花名册"), "upload_evidence": N_("上传证明材料"),
    "upload_ledger": N_("上传台账"), "withdraw_finding": N_("撤回检查记录"),
    "return_submission": N_("退回报送"), "waive_violation": N_("豁免违规"), "propose_waiver": N_("提议豁免违规"),
    "confirm_waiver": N_("确认豁免违规"), "decline_waiver": N_("驳回豁免提议"),
    "acknowledge_violation": N_("确认知悉违规"), "pass_first_review": N_("站点申请初审通过"),
    "return_station_application": N_("退回站点申请"), "reject_station_application": N_("站点申请初审不通过"),
    "upload_scheme_version": N_("上传考核方案版本"), "publish_scheme_version": N_("发布考核方案版本"),
    "discard_scheme_version": N_("删除考核方案草稿"),
}

OBJECTS = {
    "submission": N_("报送"), "ledger_upload": N_("台账上传"), "ledger_row": N_("台账行"), "user_account": N_("账号"),
    "audit_event": N_("审计记录"), "violation": N_("违规记录"), "assessment_sheet": N_("考核表"),
    "sheet_approval": N_("考核审批"), "notification": N_("通知"), "outbox_mail": N_("邮件"), "publication": N_("公示"),
    "published_result": N_("公示结果"), "objection": N_("异议"), "finding": N_("检查记录"),
    "finding_effect": N_("检查记录影响"), "staff_member": N_("驻点人员"), "attendance_sheet": N_("考勤表"),
    "activity_event": N_("活动"), "evidence_attachment": N_("证明材料"), "payment": N_("付款"),
    "rectification_notice": N_("整改通知"), "termination_proposal": N_("解除合同提议"), "station": N_("站点"),
    "contract_station": N_("合同站点"), "contract": N_("合同"), "bureau": N_("人社局"), "operator": N_("运营单位"),
    "credit_grade": N_("信用等级"), "station_application": N_("站点申请"), "application_worker": N_("申请花名册人员"),
    "station_subsidy": N_("站点补助"), "qualification_cancellation": N_("资格取消"),
    "scheme_version": N_("考核方案版本"),
}


def action_label(action: str) -> str:
    return _(ACTIONS[action]) if action in ACTIONS else _("其他操作")


def object_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    return _(OBJECTS[object_type]) if object_type in OBJECTS else _("其他对象")


FIELDS = {
    "status": N_("状态"), "state": N_("状态"), "status_reason": N_("状态说明"), "reason": N_("理由"),
    "review_reason": N_("审核意见"), "reviewed_by_id": N_("审核人"), "reviewed_at": N_("审核时间"),
    "acknowledged_by_id": N_("确认人"), "acknowledged_at": N_("确认时间"), "waiver_reason": N_("豁免理由"),
    "waiver_proposed_by_id": N_("豁免提议人"), "waiver_proposed_at": N_("豁免提议时间"),
    "waived_by_id": N_("豁免确认人"), "waived_at": N_("豁免确认时间"), "terminated_on": N_("终止生效日期"),
    "submitted_by_id": N_("提交人"), "submitted_at": N_("提交时间"), "approved_by_id": N_("审批人"),
    "approved_at": N_("审批时间"), "reopen_reason": N_("重新开启理由"), "version": N_("版本"), "note": N_("备注"),
    "display_name": N_("显示名称"), "role": N_("角色"), "active": N_("启用"), "value": N_("数值"),
}


def field_label(key: str) -> str:
    return _(FIELDS[key]) if key in FIELDS else _("其他字段")
